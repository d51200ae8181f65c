//! Rows, views and the pure rules of attachments: which records take files, which files are
//! refused as executables, and how a filename is checked and written into a header.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::attachments;

/// The bytes are stored in rows of this size (the last one shorter); a download reads one at a
/// time and a Range request only the ones it covers.
pub const CHUNK_SIZE: usize = 256 * 1024;

/// The kinds of record a file can be attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParentType {
    Ticket,
    /// A ticket's comment (a public reply or an internal note).
    Comment,
    /// A receivable invoice or a credit note (`/invoices/{id}` whose kind is not `payable`).
    Invoice,
    /// A vendor's bill (`/invoices/{id}` whose kind is `payable`).
    Bill,
    Employee,
    Vendor,
    Item,
}

impl ParentType {
    pub const ALL: [ParentType; 7] = [
        ParentType::Ticket,
        ParentType::Comment,
        ParentType::Invoice,
        ParentType::Bill,
        ParentType::Employee,
        ParentType::Vendor,
        ParentType::Item,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParentType::Ticket => "ticket",
            ParentType::Comment => "comment",
            ParentType::Invoice => "invoice",
            ParentType::Bill => "bill",
            ParentType::Employee => "employee",
            ParentType::Vendor => "vendor",
            ParentType::Item => "item",
        }
    }

    pub fn from_stored(stored: &str) -> Option<ParentType> {
        ParentType::ALL.into_iter().find(|t| t.as_str() == stored)
    }
}

/// One record that files hang on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    pub kind: ParentType,
    pub id: i64,
}

impl std::fmt::Display for Parent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.id)
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = attachments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AttachmentRow {
    pub id: i64,
    pub parent_type: Option<String>,
    pub ticket_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub invoice_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub item_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub complete: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl AttachmentRow {
    /// The record it is attached to (None: not attached yet).
    pub fn parent(&self) -> Option<Parent> {
        let kind = ParentType::from_stored(self.parent_type.as_deref()?)?;
        let id = match kind {
            ParentType::Ticket => self.ticket_id,
            ParentType::Comment => self.comment_id,
            ParentType::Invoice | ParentType::Bill => self.invoice_id,
            ParentType::Employee => self.employee_id,
            ParentType::Vendor => self.vendor_id,
            ParentType::Item => self.item_id,
        }?;
        Some(Parent { kind, id })
    }
}

/// An attachment's description (its bytes are at `content_url`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    /// The record it is attached to; null while it is not attached (then only its uploader and
    /// admins see it).
    pub parent_type: Option<ParentType>,
    pub parent_id: Option<i64>,
    #[schema(example = "quote.pdf")]
    pub filename: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    #[schema(example = 48213)]
    pub size_bytes: i64,
    /// Hex SHA-256 of the content; the download's ETag is this value in quotes.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    #[schema(example = "/api/v1/attachments/7/content")]
    pub content_url: String,
    /// The user who uploaded it.
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<&AttachmentRow> for Attachment {
    fn from(row: &AttachmentRow) -> Attachment {
        let parent = row.parent();
        Attachment {
            id: row.id,
            parent_type: parent.map(|p| p.kind),
            parent_id: parent.map(|p| p.id),
            filename: row.filename.clone(),
            content_type: row.content_type.clone(),
            size_bytes: row.size_bytes,
            sha256: row.sha256.clone(),
            content_url: format!("/api/v1/attachments/{}/content", row.id),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// Declared types of programs: refused whatever the file is called.
const EXECUTABLE_TYPES: &[&str] = &[
    "application/x-msdownload",
    "application/x-msdos-program",
    "application/x-dosexec",
    "application/x-executable",
    "application/x-elf",
    "application/x-sharedlib",
    "application/x-mach-binary",
    "application/x-sh",
    "application/x-shellscript",
    "application/x-csh",
    "text/x-shellscript",
    "application/x-bat",
    "application/x-msi",
    "application/x-ms-installer",
    "application/x-ms-shortcut",
    "application/java-archive",
    "application/x-java-archive",
    "application/vnd.microsoft.portable-executable",
    "application/hta",
    "application/x-powershell",
    "application/javascript",
    "application/x-javascript",
    "text/javascript",
    "application/vbscript",
    "text/vbscript",
];

/// Extensions Windows, macOS or a shell run when the file is opened.
const EXECUTABLE_EXTENSIONS: &[&str] = &[
    "exe", "dll", "com", "bat", "cmd", "scr", "msi", "msp", "ps1", "psm1", "psd1", "vbs", "vbe", "js", "jse", "mjs",
    "wsf", "wsh", "jar", "sh", "bash", "csh", "ksh", "zsh", "app", "cpl", "hta", "lnk", "reg", "pif", "msc", "gadget",
    "scf", "inf", "sys", "ocx", "drv", "elf", "run", "command",
];

/// Whether a declared content type names a program (compared without parameters, any case).
pub fn is_executable_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    EXECUTABLE_TYPES.contains(&essence.as_str())
}

/// Whether a filename ends in a program's extension. Trailing dots and spaces, which Windows
/// drops when it opens the file, do not hide one ("run.exe. " is run.exe).
pub fn has_executable_extension(filename: &str) -> bool {
    let trimmed = filename.trim_end_matches(['.', ' ']);
    match trimmed.rsplit_once('.') {
        Some((_, extension)) => EXECUTABLE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str()),
        None => false,
    }
}

/// What a file's first bytes say it is, when that is a program: a Windows (MZ) or ELF
/// executable, a script with a `#!` line, or a Mach-O binary (thin either way round, or fat —
/// whose magic Java class files share, also programs). None for anything else.
pub fn executable_magic(first_bytes: &[u8]) -> Option<&'static str> {
    const MACH_O: [[u8; 4]; 5] = [
        [0xFE, 0xED, 0xFA, 0xCE],
        [0xFE, 0xED, 0xFA, 0xCF],
        [0xCE, 0xFA, 0xED, 0xFE],
        [0xCF, 0xFA, 0xED, 0xFE],
        [0xCA, 0xFE, 0xBA, 0xBE],
    ];
    if first_bytes.starts_with(b"MZ") {
        Some("a Windows executable (MZ)")
    } else if first_bytes.starts_with(b"\x7fELF") {
        Some("an ELF executable")
    } else if first_bytes.starts_with(b"#!") {
        Some("a script (#!)")
    } else if MACH_O.iter().any(|magic| first_bytes.starts_with(magic)) {
        Some("a Mach-O executable")
    } else {
        None
    }
}

/// The longest filename kept, in characters.
pub const MAX_FILENAME: usize = 255;

/// Checks a filename as given: 1 to 255 characters, no control characters, no path (`/` or `\`),
/// not `.` or `..`. Returns it trimmed, or what is wrong with it.
pub fn check_filename(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("must not be empty");
    }
    if name.chars().count() > MAX_FILENAME {
        return Err("must be at most 255 characters long");
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err("must be a file's name, without a path");
    }
    Ok(name.to_string())
}

/// `Content-Disposition` for a download: always `attachment` (the browser saves the file, never
/// renders it here), an ASCII `filename` with anything risky replaced, and the exact name in
/// `filename*` (RFC 6266, RFC 8187).
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' && c != ';' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(filename.len() * 3);
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_are_known_by_type_extension_and_magic() {
        assert!(is_executable_type("application/x-msdownload"));
        assert!(is_executable_type("Application/X-SH; charset=utf-8"));
        assert!(!is_executable_type("application/pdf"));
        assert!(has_executable_extension("setup.EXE"));
        assert!(has_executable_extension("run.exe. "));
        assert!(has_executable_extension("a.tar.sh"));
        assert!(!has_executable_extension("exe"));
        assert!(!has_executable_extension("report.pdf"));
        assert!(executable_magic(b"MZ\x90\x00").is_some());
        assert!(executable_magic(b"\x7fELF\x02").is_some());
        assert!(executable_magic(b"#!/bin/sh\n").is_some());
        assert!(executable_magic(&[0xCF, 0xFA, 0xED, 0xFE, 7]).is_some());
        assert!(executable_magic(b"%PDF-1.7").is_none());
        assert!(executable_magic(b"M").is_none());
    }

    #[test]
    fn filenames_are_names_and_headers_stay_safe() {
        assert_eq!(check_filename("  quote.pdf "), Ok("quote.pdf".to_string()));
        assert!(check_filename("../etc/passwd").is_err());
        assert!(check_filename("a\\b").is_err());
        assert!(check_filename("a\nb").is_err());
        assert!(check_filename("").is_err());
        assert!(check_filename(&"x".repeat(256)).is_err());
        assert_eq!(
            content_disposition("Angebot \"Q3\"; ä.pdf"),
            "attachment; filename=\"Angebot _Q3__ _.pdf\"; filename*=UTF-8''Angebot%20%22Q3%22%3B%20%C3%A4.pdf"
        );
    }

    #[test]
    fn a_row_names_its_parent() {
        let mut row = AttachmentRow {
            id: 1,
            parent_type: Some("bill".into()),
            ticket_id: None,
            comment_id: None,
            invoice_id: Some(9),
            employee_id: None,
            vendor_id: None,
            item_id: None,
            filename: "a".into(),
            content_type: "text/plain".into(),
            size_bytes: 0,
            sha256: String::new(),
            complete: true,
            created_by: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            version: 1,
        };
        assert_eq!(row.parent(), Some(Parent { kind: ParentType::Bill, id: 9 }));
        row.parent_type = None;
        assert_eq!(row.parent(), None);
    }
}
