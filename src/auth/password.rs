//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), run on the
//! blocking pool behind a concurrency cap so that a burst of logins never starves other requests.
//! Past the cap a login waits briefly, then gets 503 with Retry-After.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{ApiError, Validator};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("password hashing failed: {e}")))
}

/// A hash of nothing anyone knows: verifying against it when the email is unknown makes that
/// answer take as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_now("opsdesk-decoy-password-never-valid").unwrap_or_default())
}

fn verify_now(stored: Option<&str>, password: &str) -> bool {
    let stored = stored.unwrap_or_else(|| decoy_hash());
    let matches = PasswordHash::new(stored)
        .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false);
    matches && stored != decoy_hash()
}

/// The password policy: 12 to 256 characters, and not the account's email.
pub fn check_policy(v: &mut Validator, pointer: &str, password: &str, email: &str) {
    let length = password.chars().count();
    v.check(length >= MIN_LENGTH, pointer, format!("must be at least {MIN_LENGTH} characters long"));
    v.check(length <= MAX_LENGTH, pointer, format!("must be at most {MAX_LENGTH} characters long"));
    v.check(!password.trim().eq_ignore_ascii_case(email.trim()), pointer, "must not be the account's email address");
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs password hashes on a fixed set of low-priority threads.
///
/// Fixed, because argon2 needs 19 MiB per hash and the allocator keeps what a thread once used:
/// spread over the shared blocking pool, a burst of sign-ins grew the process by hundreds of MiB
/// for good. Low priority (nice 10), because sign-ins must not starve every other request of CPU.
#[derive(Clone)]
pub struct Hasher {
    jobs: std::sync::mpsc::Sender<Job>,
    permits: Arc<Semaphore>,
    max_wait: Duration,
}

fn lower_thread_priority() {
    // On Linux the nice value belongs to the thread; PRIO_PROCESS with a thread id sets just it.
    #[cfg(target_os = "linux")]
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

impl Hasher {
    pub fn new(concurrency: usize, max_wait: Duration) -> Hasher {
        let threads = concurrency.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("opsdesk-hash-{n}")).spawn(move || {
                lower_thread_priority();
                loop {
                    let job = match queue.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                log::error!("cannot start a password hashing thread: {e}");
            }
        }
        Hasher { jobs, permits: Arc::new(Semaphore::new(threads)), max_wait }
    }

    async fn on_hash_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || ApiError::Unavailable {
            detail: "too many sign-ins are being processed; retry shortly".into(),
            retry_after_secs: 1,
        };
        // One permit per hashing thread: a request waits here, briefly, rather than in a queue
        // that could grow without bound.
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
                drop(permit);
            }))
            .map_err(|_| ApiError::internal("the password hashing threads have stopped"))?;
        answer.await.map_err(|_| ApiError::internal("a password hashing job was lost"))
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.on_hash_thread(move || hash_now(&password)).await?
    }

    /// Verifies `password` against `stored`; with no stored hash (unknown account) it spends
    /// the same time and answers false.
    pub async fn verify(&self, stored: Option<String>, password: String) -> Result<bool, ApiError> {
        self.on_hash_thread(move || verify_now(stored.as_deref(), &password)).await
    }

    /// Hashing for the command line, outside any async runtime.
    pub fn hash_blocking(password: &str) -> Result<String, ApiError> {
        hash_now(password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_decoy_never_matches() {
        let hash = hash_now("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_now(Some(&hash), "correct horse battery"));
        assert!(!verify_now(Some(&hash), "wrong horse battery"));
        assert!(!verify_now(None, "opsdesk-decoy-password-never-valid"));
    }

    #[test]
    fn policy_names_each_problem() {
        let mut v = Validator::new();
        check_policy(&mut v, "/password", "short", "a@b.co");
        assert!(v.finish().is_err());
        let mut v = Validator::new();
        check_policy(&mut v, "/password", "ann@example.com", "ANN@example.com");
        assert!(v.finish().is_err());
        let mut v = Validator::new();
        check_policy(&mut v, "/password", "a long enough passphrase", "a@b.co");
        assert!(v.finish().is_ok());
    }
}
