//! Durable file writes, shared by every component that keeps files: the
//! directory storage backend, the spool queue, the symbol download cache and
//! the embedded search index.
//!
//! A write is staged in a hidden file beside its target (named with
//! [`STAGING_PREFIX`], which listings skip), fsynced, renamed over the
//! target, and the directory fsynced: readers see the old file, the new one,
//! or nothing, and the file is on disk when the call returns. Directories
//! created on the way are fsynced into their parents.
//!
//! Writers that commit many files into few directories at once (the
//! collector under load) share their directory fsyncs through
//! [`DirSyncs`]: one fsync of a directory covers every rename made in it
//! before that fsync began.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{ErrorKind, IoSlice, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

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

/// Writes every buffer of `bufs`, in order, with as few `writev` calls as
/// the kernel allows.
pub fn write_all_vectored(out: &mut impl Write, bufs: &[&[u8]]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = bufs.iter().map(|b| IoSlice::new(b)).collect();
    let mut rest = &mut slices[..];
    IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Directory fsyncs shared by concurrent writers: group commit.
///
/// [`DirSyncs::sync`] returns once an fsync of the directory that *began
/// after the call* has succeeded, so every rename the caller made in it
/// before calling is durable. While one fsync runs, the callers that
/// arrive wait for it to end and then share the next: under load, one
/// fsync covers every crash written to the directory in that window.
#[derive(Debug, Default)]
pub struct DirSyncs {
    dirs: Mutex<HashMap<PathBuf, Arc<DirState>>>,
}

/// One directory's fsyncs: its callers wait on its own condition variable,
/// so the end of an fsync wakes only those who wait for that directory.
#[derive(Debug, Default)]
struct DirState {
    round: Mutex<DirRound>,
    ended: Condvar,
}

/// Tickets of one directory: a caller takes the next number; an fsync
/// covers every number taken before it began.
#[derive(Debug, Default)]
struct DirRound {
    taken: u64,
    /// Highest ticket covered by a successful fsync.
    synced: u64,
    /// Highest ticket covered by a failed one, and its error.
    failed: u64,
    error: Option<(ErrorKind, String)>,
    syncing: bool,
    /// Callers between joining and leaving; the directory is dropped from
    /// the map when none is left, so the map holds only busy directories.
    callers: usize,
}

fn poisoned() -> std::io::Error {
    std::io::Error::other("directory sync state poisoned")
}

impl DirSyncs {
    /// Makes every earlier rename in `dir` durable (see the type's doc).
    pub fn sync(&self, dir: &Path) -> std::io::Result<()> {
        // Lock order: the map, then a directory's round.
        let state = {
            let mut dirs = self.dirs.lock().map_err(|_| poisoned())?;
            let state = dirs.entry(dir.to_owned()).or_default().clone();
            state.round.lock().map_err(|_| poisoned())?.callers += 1;
            state
        };
        let result = Self::wait_for_sync(&state, dir);
        let mut dirs = self.dirs.lock().map_err(|_| poisoned())?;
        let mut round = state.round.lock().map_err(|_| poisoned())?;
        round.callers -= 1;
        if round.callers == 0 {
            dirs.remove(dir);
        }
        result
    }

    fn wait_for_sync(state: &DirState, dir: &Path) -> std::io::Result<()> {
        let mut round = state.round.lock().map_err(|_| poisoned())?;
        round.taken += 1;
        let ticket = round.taken;
        loop {
            if round.failed >= ticket {
                let (kind, message) = round
                    .error
                    .clone()
                    .unwrap_or((ErrorKind::Other, String::new()));
                return Err(std::io::Error::new(kind, message));
            }
            if round.synced >= ticket {
                return Ok(());
            }
            if round.syncing {
                round = state.ended.wait(round).map_err(|_| poisoned())?;
                continue;
            }
            // This caller runs the next fsync, for every ticket taken so far.
            round.syncing = true;
            let covers = round.taken;
            drop(round);
            let synced = sync_dir(dir);
            round = state.round.lock().map_err(|_| poisoned())?;
            round.syncing = false;
            match synced {
                Ok(()) => round.synced = covers,
                Err(e) => {
                    round.failed = covers;
                    round.error = Some((e.kind(), e.to_string()));
                }
            }
            state.ended.notify_all();
        }
    }
}

/// A file being written in place of a target, for content that arrives in
/// pieces (a download, an upload): nothing is visible at the target until
/// [`StagedFile::commit`] (or [`StagedFile::commit_as`], when the target
/// is named only at the end), and a staged file dropped without it is
/// removed.
#[derive(Debug)]
pub struct StagedFile {
    file: Option<File>,
    /// The content was fsynced and nothing written since.
    synced: bool,
    staged: PathBuf,
    /// Empty for a file started with [`StagedFile::create_in`].
    target: PathBuf,
}

impl StagedFile {
    /// Starts a staged file beside `target`, creating its directory.
    pub fn create(target: &Path) -> std::io::Result<StagedFile> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let mut staged = Self::start(dir, &name)?;
        staged.target = target.to_owned();
        Ok(staged)
    }

    /// Starts a staged file in `dir` (created if missing) for a target in
    /// that directory named at [`StagedFile::commit_as`].
    pub fn create_in(dir: &Path) -> std::io::Result<StagedFile> {
        Self::start(dir, "upload")
    }

    fn start(dir: &Path, name: &str) -> std::io::Result<StagedFile> {
        create_dirs_durably(dir)?;
        let staged = dir.join(format!(
            "{STAGING_PREFIX}{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let file = File::create(&staged)?;
        Ok(StagedFile {
            file: Some(file),
            synced: false,
            staged,
            target: PathBuf::new(),
        })
    }

    /// Fsyncs the content, renames it over the target and fsyncs the directory.
    pub fn commit(self) -> std::io::Result<()> {
        let target = self.target.clone();
        if target.as_os_str().is_empty() {
            return Err(std::io::Error::other("staged file has no target"));
        }
        let dir = target.parent().unwrap_or(Path::new(".")).to_owned();
        self.rename_durably(&target)?;
        sync_dir(&dir)
    }

    /// Fsyncs the content and renames it to `target` (in the staged file's
    /// directory), the directory's fsync shared through `syncs`.
    pub fn commit_as(self, target: &Path, syncs: &DirSyncs) -> std::io::Result<()> {
        let dir = target.parent().unwrap_or(Path::new(".")).to_owned();
        self.rename_durably(target)?;
        syncs.sync(&dir)
    }

    /// Fsyncs the content (for a caller that fsyncs several files before
    /// renaming any).
    pub fn sync(&mut self) -> std::io::Result<()> {
        if let Some(file) = &self.file {
            file.sync_all()?;
            self.synced = true;
        }
        Ok(())
    }

    /// Fsyncs the content (unless [`StagedFile::sync`] just did) and
    /// renames it to `target`; the directory is left for the caller to sync
    /// (once for many files).
    pub fn rename_durably(mut self, target: &Path) -> std::io::Result<()> {
        if let Some(file) = self.file.take() {
            if !self.synced {
                file.sync_all()?;
            }
        }
        fs::rename(&self.staged, target)?;
        self.staged = PathBuf::new();
        Ok(())
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.synced = false;
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("staged file already committed")),
        }
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> std::io::Result<usize> {
        self.synced = false;
        match &mut self.file {
            Some(f) => f.write_vectored(bufs),
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
    fn concurrent_commits_share_directory_syncs_and_leave_no_state() {
        let dir = tempfile::tempdir().unwrap();
        let syncs = DirSyncs::default();
        std::thread::scope(|scope| {
            for i in 0..32 {
                let (dir, syncs) = (dir.path(), &syncs);
                scope.spawn(move || {
                    let mut staged = StagedFile::create_in(dir).unwrap();
                    staged.write_all(format!("crash {i}").as_bytes()).unwrap();
                    staged.commit_as(&dir.join(i.to_string()), syncs).unwrap();
                });
            }
        });
        for i in 0..32 {
            let data = fs::read(dir.path().join(i.to_string())).unwrap();
            assert_eq!(data, format!("crash {i}").as_bytes());
        }
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            32,
            "no staged file left"
        );
        assert!(syncs.dirs.lock().unwrap().is_empty());
    }

    #[test]
    fn a_failed_directory_sync_fails_its_callers_and_not_later_ones() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let syncs = DirSyncs::default();
        let err = syncs.sync(&missing).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        fs::create_dir(&missing).unwrap();
        syncs.sync(&missing).unwrap();
        assert!(syncs.dirs.lock().unwrap().is_empty());
    }

    #[test]
    fn vectored_writes_write_every_buffer_in_order() {
        let mut out = Vec::new();
        let big = vec![3u8; 100_000];
        write_all_vectored(&mut out, &[b"ab", b"", &big, b"cd"]).unwrap();
        assert_eq!(out.len(), 100_004);
        assert_eq!((&out[..2], &out[100_002..]), (&b"ab"[..], &b"cd"[..]));
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
