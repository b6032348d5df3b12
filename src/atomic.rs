//! Atomic, durable file writes (a leaf: every layer that writes files uses it).
//!
//! A write goes to a temp file with a unique name beside the target, is
//! fsynced, takes the target's permissions, is renamed over the target, and
//! the folder is fsynced so the rename itself survives a crash. A reader sees
//! the old file or the new one, never half of either, and two writers to one
//! path never share a temp file (the last rename wins, whole).
//!
//! Temp files and folders are registered while they exist, so the headless
//! Ctrl+C / SIGTERM handler can remove them before it exits
//! ([`remove_pending`]); on an error they are removed when dropped.

use std::ffi::OsStr;
use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temp files and folders that exist right now; `None` once [`remove_pending`]
/// ran (the process is exiting: no new temp may appear).
static PENDING: Mutex<Option<Vec<PathBuf>>> = Mutex::new(Some(Vec::new()));

/// Every temp name starts with this, so a leftover is recognisable.
pub const TEMP_PREFIX: &str = ".clvdesk-tmp-";

/// Removes every registered temp file and folder; from then on no new one can
/// be created. Called by the signal handler just before the process exits.
pub fn remove_pending() {
    let mut guard = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    for path in guard.take().unwrap_or_default() {
        if path.is_dir() {
            // A writer thread may still be adding files; a second pass catches them.
            if std::fs::remove_dir_all(&path).is_err() {
                let _ = std::fs::remove_dir_all(&path);
            }
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Runs `create` (which makes a temp at a fresh name) under the registry lock
/// and registers what it returns, so a signal never sees a temp that exists
/// but is not registered.
fn register<T>(
    create: impl FnOnce() -> io::Result<T>,
    path_of: impl Fn(&T) -> &Path,
) -> io::Result<T> {
    let mut guard = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let Some(list) = guard.as_mut() else {
        return Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "interrupted: the process is exiting",
        ));
    };
    let made = create()?;
    list.push(path_of(&made).to_path_buf());
    Ok(made)
}

fn unregister(path: &Path) {
    let mut guard = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(list) = guard.as_mut() {
        list.retain(|p| p != path);
    }
}

/// The file a write to `path` should replace: a symlink's target (so the link
/// stays a link), else `path` itself.
fn resolve(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// The folder holding `path` (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Makes a temp beside `target` with `make`, named `.clvdesk-tmp-XXXXXX.<target's
/// name>` (unique; the extension is kept) and created with `mode & !umask`
/// like any new file or folder.
fn temp_named_after<T>(
    target: &Path,
    mode: u32,
    make: impl FnOnce(&tempfile::Builder) -> io::Result<T>,
) -> io::Result<T> {
    let name = target.file_name().unwrap_or(OsStr::new("out"));
    let suffix = format!(".{}", name.to_string_lossy());
    let mut b = tempfile::Builder::new();
    b.prefix(TEMP_PREFIX)
        .suffix(&suffix)
        .permissions(Permissions::from_mode(mode));
    make(&b)
}

/// fsync a folder, so renames and creations in it are durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Gives `tmp` the permissions (and, where allowed, the owner) of `target`
/// when `target` exists; a new file keeps the usual `0666 & !umask`.
fn copy_permissions(tmp: &Path, target: &Path) -> io::Result<()> {
    if let Ok(meta) = std::fs::metadata(target) {
        std::fs::set_permissions(tmp, Permissions::from_mode(meta.mode() & 0o7777))?;
        // Only root (or the same owner with a group it belongs to) may do this: best effort.
        let _ = std::os::unix::fs::chown(tmp, Some(meta.uid()), Some(meta.gid()));
    }
    Ok(())
}

/// A file being written under a unique temp name beside its target;
/// [`AtomicFile::commit`] moves it into place, dropping it removes it.
pub struct AtomicFile {
    tmp: Option<tempfile::NamedTempFile>,
    target: PathBuf,
}

impl AtomicFile {
    /// Creates the temp file (and the target's folder if missing). The temp
    /// name ends with the target's name, so its extension is kept.
    pub fn new(target: &Path) -> io::Result<Self> {
        let target = resolve(target);
        let dir = parent_of(&target);
        std::fs::create_dir_all(dir)?;
        let tmp = register(
            || temp_named_after(&target, 0o666, |b| b.tempfile_in(dir)),
            |t| t.path(),
        )?;
        Ok(AtomicFile {
            tmp: Some(tmp),
            target,
        })
    }

    /// Where the data goes until [`AtomicFile::commit`] (another writer, e.g.
    /// DuckDB's COPY, may write to this path).
    pub fn path(&self) -> &Path {
        self.tmp.as_ref().map_or(Path::new(""), |t| t.path())
    }

    /// The file that will replace the target.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temp file, for writing.
    pub fn file(&mut self) -> &mut File {
        self.tmp
            .as_mut()
            .expect("present until commit")
            .as_file_mut()
    }

    /// fsync, take the target's permissions, rename over the target, fsync the folder.
    pub fn commit(mut self) -> io::Result<()> {
        let tmp = self.tmp.take().expect("present until commit");
        // Another process (DuckDB) may have written through its own handle:
        // fsync flushes the file, whichever handle wrote it.
        tmp.as_file().sync_all()?;
        copy_permissions(tmp.path(), &self.target)?;
        let tmp_path = tmp.path().to_path_buf();
        let persisted = tmp.persist(&self.target).map_err(|e| e.error);
        unregister(&tmp_path);
        persisted?;
        sync_dir(parent_of(&self.target))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let path = tmp.path().to_path_buf();
            drop(tmp); // removes the file
            unregister(&path);
        }
    }
}

/// Writes `bytes` to `path` atomically and durably, creating parent folders
/// and keeping an existing file's permissions.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::new(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// A folder filled under a temp name beside its target, then swapped in as a
/// whole ([`StagingDir::commit`]), so the target always holds one complete
/// set of files; dropping it before the commit removes it.
pub struct StagingDir {
    path: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagingDir {
    pub fn new(target: &Path) -> io::Result<Self> {
        let target = match std::fs::canonicalize(target) {
            Ok(real) => real,
            Err(_) => std::path::absolute(target)?,
        };
        let parent = parent_of(&target);
        std::fs::create_dir_all(parent)?;
        let dir = register(
            || temp_named_after(&target, 0o777, |b| b.tempdir_in(parent).map(|d| d.keep())),
            |p| p.as_path(),
        )?;
        Ok(StagingDir {
            path: dir,
            target,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Swaps the staged folder in for the target in one rename. Entries of
    /// the old target that the new set does not have are carried over (files
    /// are hard-linked before the swap, so they never leave the target; the
    /// rest is moved right after). The caller has fsynced the staged files.
    pub fn commit(mut self) -> io::Result<()> {
        sync_dir(&self.path)?;
        let parent = parent_of(&self.target).to_path_buf();
        if !self.target.exists() {
            std::fs::rename(&self.path, &self.target)?;
            self.committed = true;
            unregister(&self.path);
            return sync_dir(&parent);
        }
        if let Ok(meta) = std::fs::metadata(&self.target) {
            std::fs::set_permissions(&self.path, Permissions::from_mode(meta.mode() & 0o7777))?;
        }
        for entry in std::fs::read_dir(&self.target)? {
            let entry = entry?;
            let staged = self.path.join(entry.file_name());
            if entry.file_type()?.is_file() && !staged.exists() {
                std::fs::hard_link(entry.path(), &staged)?;
            }
        }
        // From the swap on, the staging name holds the old folder, with
        // entries of the user's that are not moved yet: a signal must not delete it.
        unregister(&self.path);
        exchange(&self.path, &self.target)?;
        self.committed = true;
        sync_dir(&parent)?;
        let old = &self.path;
        for entry in std::fs::read_dir(old)? {
            let entry = entry?;
            let new = self.target.join(entry.file_name());
            if std::fs::symlink_metadata(&new).is_err() {
                std::fs::rename(entry.path(), &new)?;
            } else if !entry.file_type()?.is_dir() {
                std::fs::remove_file(entry.path())?;
            }
        }
        sync_dir(&self.target)?;
        // Fails (and leaves the old folder for the user) only if it still holds a folder
        // whose name the new set took.
        std::fs::remove_dir(old)?;
        sync_dir(&parent)
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.path);
            unregister(&self.path);
        }
    }
}

/// A scratch folder in the system temp folder for files that are only read
/// back (e.g. the embedded sample data while a workspace is seeded). It is
/// registered like every other temp, so Ctrl+C or SIGTERM during its life
/// removes it; dropping it removes it too.
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    pub fn new() -> io::Result<Self> {
        let path = register(
            || {
                tempfile::Builder::new()
                    .prefix(TEMP_PREFIX)
                    .tempdir()
                    .map(|d| d.keep())
            },
            |p| p.as_path(),
        )?;
        Ok(ScratchDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        unregister(&self.path);
    }
}

/// Whether `path` is a registered temp right now (what a signal would remove).
#[cfg(test)]
pub(crate) fn is_pending(path: &Path) -> bool {
    let guard = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().is_some_and(|l| l.iter().any(|p| p == path))
}

/// Swaps two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`). Where
/// the file system cannot, two renames: a crash between them leaves the
/// target missing but both complete folders present, never a mix.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let ca = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
        let cb = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
        // SAFETY: both are valid NUL-terminated paths; the call reads them only.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if !matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(err);
        }
    }
    let aside = a.with_extension("old");
    std::fs::rename(b, &aside)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&aside, a)
}

#[cfg(test)]
mod tests;
