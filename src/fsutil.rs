//! Durable file writes, shared by every component that keeps files: the
//! directory storage backend, the spool queue, the symbol download cache and
//! the embedded search index.
//!
//! A write is staged in a hidden file beside its target (named with
//! [`STAGING_PREFIX`], which listings skip), fsynced, renamed over the
//! target, and the directory fsynced: readers see the old file, the new one,
//! or nothing, and the file is on disk when the call returns. Directories
//! created on the way are fsynced into their parents.

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Prefix of staged files. Anything that lists a directory written through
/// this module skips names that start with it.
pub const STAGING_PREFIX: &str = ".tmp-";

/// Creates `dir` and its missing parents, fsyncing each parent whose
/// entries changed so the new directories survive a crash.
pub fn create_dirs_durably(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs_durably(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Fsyncs a directory, so renames and new entries in it are durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)?.sync_all()
}

/// Writes `data` to `path` durably and atomically.
pub fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut staged = StagedFile::create(path)?;
    staged.write_all(data)?;
    staged.commit()
}

/// A file being written in place of `target`, for content that arrives in
/// pieces (a download): nothing is visible at `target` until
/// [`StagedFile::commit`], and a staged file dropped without it is removed.
#[derive(Debug)]
pub struct StagedFile {
    file: Option<File>,
    staged: PathBuf,
    target: PathBuf,
}

impl StagedFile {
    /// Starts a staged file beside `target`, creating its directory.
    pub fn create(target: &Path) -> std::io::Result<StagedFile> {
        let dir = target.parent().unwrap_or(Path::new("."));
        create_dirs_durably(dir)?;
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let staged = dir.join(format!(
            "{STAGING_PREFIX}{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let file = File::create(&staged)?;
        Ok(StagedFile {
            file: Some(file),
            staged,
            target: target.to_owned(),
        })
    }

    /// Fsyncs the content, renames it over the target and fsyncs the directory.
    pub fn commit(mut self) -> std::io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        fs::rename(&self.staged, &self.target)?;
        self.staged = PathBuf::new();
        sync_dir(self.target.parent().unwrap_or(Path::new(".")))
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("staged file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.staged.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.staged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_and_leaves_no_staged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/c.txt");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["c.txt"]);
    }

    #[test]
    fn an_uncommitted_staged_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sym");
        {
            let mut staged = StagedFile::create(&path).unwrap();
            staged.write_all(b"partial").unwrap();
        }
        assert!(!path.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
