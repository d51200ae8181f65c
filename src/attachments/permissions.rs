//! Who may do what with files (see `auth::roles::Permission`). Beyond these, a file is exactly as
//! visible as the record it is attached to, by that record's own rules (`super::parents`).

use crate::auth::roles::{Permission, EVERYONE, EVERYONE_WHO_WRITES};

pub const UPLOAD_FILES: Permission = Permission {
    action: "upload files, attach them to records and remove them",
    roles: EVERYONE_WHO_WRITES,
    limit: "on records they may change (a requester: their own tickets and their own public replies); a file not yet attached only its uploader",
};

pub const READ_FILES: Permission = Permission {
    action: "list and download the files of records",
    roles: EVERYONE,
    limit: "of the records they may read (an internal note's only staff, a person's only who sees their pay); a file not yet attached only its uploader",
};

pub const ALL: &[&Permission] = &[&UPLOAD_FILES, &READ_FILES];
