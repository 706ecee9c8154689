//! The files zicht writes: whole or not at all, readable by their owner only unless asked, never through
//! a symlink and never onto one of the command's own inputs.
//!
//! An [`Output`] is written to a file in the target's folder that has no name while it is written (Linux
//! `O_TMPFILE`; elsewhere, or where the file system lacks it, a hidden `.NAME.XXXXXX.tmp` removed on drop),
//! so a crash or `kill -9` mid-write leaves nothing behind — rejects files hold identities in plain text.
//! [`Output::prepare`] flushes and syncs the file (still unnamed where it can be, else under its hidden
//! name); [`Prepared::commit`] names it and renames it over the target. A rename replaces a symlink planted at the target instead of writing where it points,
//! and a reader sees the old file or the new one, never a part. A folder of files that belong together
//! (the monitor's three) is a [`Staged`] set, put in place as a whole.
//!
//! [`spreadsheet_safe`] and [`from_spreadsheet_safe`] neutralise CSV cells that a spreadsheet would run as
//! a formula (OWASP, "CSV Injection") and undo exactly that.
//!
//! ```
//! use std::io::Write;
//! let dir = tempfile::tempdir().unwrap();
//! let target = dir.path().join("out.csv");
//! let mut out = zicht_output::Output::create(&target, zicht_output::Access::Private).unwrap();
//! writeln!(out, "id,{}", zicht_output::spreadsheet_safe("=HYPERLINK(\"x\")")).unwrap();
//! out.prepare().unwrap().commit().unwrap();
//! assert_eq!(std::fs::read_to_string(&target).unwrap(), "id,'=HYPERLINK(\"x\")\n");
//! ```

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Who may read a file zicht writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The owner only (0600): everything that holds register data.
    Private,
    /// Everyone may read (0644): only the public edition of the monitor, and only when asked.
    Public,
}

impl Access {
    #[cfg(unix)]
    fn mode(self) -> u32 {
        match self {
            Access::Private => 0o600,
            Access::Public => 0o644,
        }
    }
}

/// A file that could not be written, with the path and the operating system's cause.
#[derive(Debug, thiserror::Error)]
#[error("{what} {}: {source}", .path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub what: &'static str,
    pub source: io::Error,
}

fn fail<'a>(path: &'a Path, what: &'static str) -> impl FnOnce(io::Error) -> OutputError + 'a {
    move |source| OutputError { path: path.to_path_buf(), what, source }
}

/// Where the bytes of an [`Output`] are while it is written.
#[derive(Debug)]
enum Body {
    /// No name in the file system yet (Linux `O_TMPFILE`).
    Unnamed(BufWriter<File>),
    /// A hidden temporary name, removed on drop.
    Named(BufWriter<tempfile::NamedTempFile>),
}

/// A file being written in place of `target`. Dropped without [`Output::prepare`] and
/// [`Prepared::commit`], it leaves no trace.
#[derive(Debug)]
pub struct Output {
    target: PathBuf,
    dir: PathBuf,
    body: Body,
}

/// The folder of `target` and its file name; a target without a file name (`.`, `/`) is refused.
fn split(target: &Path) -> Result<(PathBuf, String), OutputError> {
    let name = target.file_name().and_then(|n| n.to_str()).map(str::to_string).ok_or_else(|| OutputError {
        path: target.to_path_buf(),
        what: "cannot write",
        source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

/// A hidden temporary file beside the target, `.NAME.XXXXXX.tmp`, removed on drop.
fn hidden_file(dir: &Path, name: &str) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)
}

impl Output {
    /// Starts writing `target` (created or replaced on commit). The folder must exist; a target that is a
    /// folder is refused now rather than at the end.
    pub fn create(target: &Path, access: Access) -> Result<Output, OutputError> {
        let (dir, name) = split(target)?;
        if std::fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
            return Err(OutputError {
                path: target.to_path_buf(),
                what: "cannot write",
                source: io::Error::new(io::ErrorKind::IsADirectory, "a folder is in the way"),
            });
        }
        let body = match unnamed(&dir, access) {
            Some(f) => Body::Unnamed(BufWriter::new(f)),
            None => {
                let f = hidden_file(&dir, &name).map_err(fail(target, "cannot create a file beside"))?;
                set_mode(f.as_file(), access).map_err(fail(target, "cannot set the mode of a file beside"))?;
                Body::Named(BufWriter::new(f))
            }
        };
        Ok(Output { target: target.to_path_buf(), dir, body })
    }

    /// The file this output will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes and syncs the content and gives it a hidden name beside the target; nothing is visible
    /// under the target's name until [`Prepared::commit`].
    pub fn prepare(self) -> Result<Prepared, OutputError> {
        let target = self.target;
        let (_, name) = split(&target)?;
        let tmp = match self.body {
            Body::Named(w) => {
                let f = w.into_inner().map_err(|e| fail(&target, "cannot write")(e.into_error()))?;
                f.as_file().sync_all().map_err(fail(&target, "cannot write"))?;
                f.into_temp_path()
            }
            Body::Unnamed(w) => {
                let f = w.into_inner().map_err(|e| fail(&target, "cannot write")(e.into_error()))?;
                f.sync_all().map_err(fail(&target, "cannot write"))?;
                // Named only at commit: a kill -9 before it leaves nothing with a name.
                return Ok(Prepared { target, pending: Pending::Unnamed { file: f, dir: self.dir, name } });
            }
        };
        Ok(Prepared { target, pending: Pending::Named(tmp) })
    }

    /// [`Output::prepare`] and [`Prepared::commit`] in one.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        self.prepare()?.commit()
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.body {
            Body::Unnamed(w) => w.write(buf),
            Body::Named(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.body {
            Body::Unnamed(w) => w.flush(),
            Body::Named(w) => w.flush(),
        }
    }
}

/// A whole, synced output not yet under its target's name: still unnamed (Linux `O_TMPFILE`), or under a
/// hidden name beside the target; removed on drop unless committed.
#[derive(Debug)]
pub struct Prepared {
    target: PathBuf,
    pending: Pending,
}

/// Where a prepared output's content is until it is committed.
#[derive(Debug)]
enum Pending {
    /// A hidden name beside the target.
    Named(tempfile::TempPath),
    /// No name yet: given one only at commit, so that a crash between prepare and commit (the import
    /// commits its database in between) leaves no file behind.
    Unnamed { file: File, dir: PathBuf, name: String },
}

impl Pending {
    /// The content under a hidden name beside the target.
    fn named(self) -> io::Result<tempfile::TempPath> {
        match self {
            Pending::Named(p) => Ok(p),
            Pending::Unnamed { file, dir, name } => name_unnamed(&file, &dir, &name),
        }
    }
}

impl Prepared {
    /// Renames the file over its target (replacing a symlink there, never following it) and syncs the
    /// folder so that the new name survives a power cut.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        let target = self.target;
        let tmp = self.pending.named().map_err(fail(&target, "cannot write"))?;
        tmp.persist(&target).map_err(|e| fail(&target, "cannot rename into place")(e.error))?;
        if let Ok((dir, _)) = split(&target)
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(target)
    }

    /// As [`Prepared::commit`], but when the rename fails the content stays under its hidden name, which
    /// comes back with the error: for data that exists nowhere else once the database has committed.
    /// `None` with the error when not even a hidden name could be given.
    pub fn commit_or_keep(self) -> Result<PathBuf, (OutputError, Option<PathBuf>)> {
        let target = self.target;
        let tmp = self.pending.named().map_err(|e| (fail(&target, "cannot write")(e), None))?;
        match tmp.persist(&target) {
            Ok(()) => Ok(target),
            Err(e) => {
                let error = fail(&target, "cannot rename into place")(e.error);
                match e.path.keep() {
                    Ok(kept) => Err((error, Some(kept))),
                    Err(k) => Err((error, Some(k.path.to_path_buf()))),
                }
            }
        }
    }

    /// Where the content is until it is committed: `None` while it has no name.
    pub fn temporary_path(&self) -> Option<&Path> {
        match &self.pending {
            Pending::Named(p) => Some(p),
            Pending::Unnamed { .. } => None,
        }
    }
}

/// Commits files that belong together: all are already whole, so a crash between two renames can mix
/// this run's files with the previous run's only in that instant, never leave a part of one.
pub fn commit_all(prepared: Vec<Prepared>) -> Result<Vec<PathBuf>, OutputError> {
    prepared.into_iter().map(Prepared::commit).collect()
}

/// Creates `dir` and its missing parents readable by their owner only (0700); folders that exist are
/// left as they are.
pub fn create_dir(dir: &Path) -> Result<(), OutputError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(fail(dir, "cannot create the folder"))
}

/// A folder of files that belong together (the monitor's three), written into a hidden staging folder
/// beside it (`.NAME.zicht-staging.XXXXXX`), checked there, then put in its place as a whole: on Linux
/// the two folders are swapped in one `renameat2(RENAME_EXCHANGE)`, so that after a crash or `kill -9`
/// the folder holds the complete previous set or the complete new one, never a mix. Dropped, the staging
/// folder goes; one left by a killed run is removed by the next run for the same folder.
///
/// The folder is replaced whole, so a folder that holds anything but the set's own files is refused
/// before anything is written: nothing of the user's is ever removed with an old release.
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    staging: tempfile::TempDir,
    access: Access,
    removed: Vec<PathBuf>,
}

impl Staged {
    /// A staging folder for `target`, a folder that is new, empty, or holds only files named in `names`
    /// (an earlier set). The new folder is 0700, or keeps the mode of the folder it replaces.
    pub fn create(target: &Path, access: Access, names: &[&str]) -> Result<Staged, OutputError> {
        let (parent, name) = split(target)?;
        create_dir(&parent)?;
        let mode = match std::fs::metadata(target) {
            Ok(m) if m.is_dir() => {
                refuse_foreign(target, names)?;
                permissions_of(&m)
            }
            Ok(_) => {
                return Err(OutputError {
                    path: target.to_path_buf(),
                    what: "cannot write the folder",
                    source: io::Error::new(io::ErrorKind::AlreadyExists, "a file is in the way"),
                });
            }
            Err(_) => None,
        };
        // Staging folders of runs that were killed: they hold outputs only, never register data.
        let prefix = format!(".{name}.zicht-staging.");
        let mut removed = Vec::new();
        for entry in std::fs::read_dir(&parent).map_err(fail(&parent, "cannot read"))?.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix)
                && entry.file_type().is_ok_and(|t| t.is_dir())
                && std::fs::remove_dir_all(entry.path()).is_ok()
            {
                removed.push(entry.path());
            }
        }
        let staging = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(&parent)
            .map_err(fail(target, "cannot create a staging folder beside"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = mode.unwrap_or(0o700);
            std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(mode))
                .map_err(fail(staging.path(), "cannot set the mode of"))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        Ok(Staged { target: target.to_path_buf(), staging, access, removed })
    }

    /// The staging folder, where the files are written and can be read back before they are committed.
    pub fn path(&self) -> &Path {
        self.staging.path()
    }

    /// Staging folders of earlier, killed runs for the same folder that [`Staged::create`] removed.
    pub fn removed(&self) -> &[PathBuf] {
        &self.removed
    }

    /// Writes one file of the set into the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        write(&self.staging.path().join(name), bytes, self.access).map(|_| ())
    }

    /// Puts the staged folder in the place of the target folder as a whole and removes the old one.
    /// Returns the paths of the files, under the target.
    pub fn commit(self) -> Result<Vec<PathBuf>, OutputError> {
        let staging = self.staging.path().to_path_buf();
        let mut names: Vec<_> = std::fs::read_dir(&staging)
            .map_err(fail(&staging, "cannot read"))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(fail(&staging, "cannot read"))?;
        names.sort();
        if let Ok(d) = File::open(&staging) {
            let _ = d.sync_all();
        }
        let replaced = std::fs::symlink_metadata(&self.target).is_ok();
        // From here the staging folder must not be removed on drop: it is, or is about to be, the target.
        let staging = self.staging.keep();
        let result = if replaced { swap(&staging, &self.target) } else { std::fs::rename(&staging, &self.target) };
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(fail(&self.target, "cannot put the new folder in place of")(e));
        }
        // The staging path now holds the old set (or nothing).
        if replaced {
            let _ = std::fs::remove_dir_all(&staging);
        }
        if let Some(parent) = self.target.parent().filter(|p| !p.as_os_str().is_empty())
            && let Ok(d) = File::open(parent)
        {
            let _ = d.sync_all();
        }
        Ok(names.into_iter().map(|n| self.target.join(n)).collect())
    }
}

/// Refuses a folder that holds anything but `names` (and staging folders of an earlier version's runs).
fn refuse_foreign(dir: &Path, names: &[&str]) -> Result<(), OutputError> {
    let entries = std::fs::read_dir(dir).map_err(fail(dir, "cannot read"))?;
    let foreign: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !names.contains(&n.as_str()) && !n.starts_with(".zicht-staging."))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
    Err(OutputError {
        path: dir.to_path_buf(),
        what: "will not replace the folder",
        source: io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "it holds {} file(s) zicht did not write ({}{}); the folder is replaced as a whole, so give a new or empty folder",
                foreign.len(),
                shown.join(", "),
                if foreign.len() > 3 { ", …" } else { "" }
            ),
        ),
    })
}

#[cfg(unix)]
fn permissions_of(m: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn permissions_of(_: &std::fs::Metadata) -> Option<u32> {
    None
}

/// Exchanges two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // A file system without the exchange: two renames, with a moment in which the folder is absent.
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => swap_by_renames(a, b),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    swap_by_renames(a, b)
}

/// `b` moved aside to a hidden name, `a` renamed to `b`, the old `b` moved to `a`.
fn swap_by_renames(a: &Path, b: &Path) -> io::Result<()> {
    let aside = a.with_extension("old");
    std::fs::rename(b, &aside)?;
    if let Err(e) = std::fs::rename(a, b) {
        let _ = std::fs::rename(&aside, b);
        return Err(e);
    }
    std::fs::rename(&aside, a)
}

/// Writes `bytes` to `target` whole or not at all.
pub fn write(target: &Path, bytes: &[u8], access: Access) -> Result<PathBuf, OutputError> {
    let mut out = Output::create(target, access)?;
    out.write_all(bytes).map_err(fail(target, "cannot write"))?;
    out.commit()
}

#[cfg(unix)]
fn set_mode(f: &File, access: Access) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(access.mode()))
}

#[cfg(not(unix))]
fn set_mode(_: &File, _: Access) -> io::Result<()> {
    Ok(())
}

/// A file without a name in `dir`, when the file system can make one.
#[cfg(target_os = "linux")]
fn unnamed(dir: &Path, access: Access) -> Option<File> {
    use rustix::fs::{Mode, OFlags};
    let fd =
        rustix::fs::open(dir, OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC, Mode::from_raw_mode(0o600)).ok()?;
    let f = File::from(fd);
    set_mode(&f, access).ok()?;
    Some(f)
}

#[cfg(not(target_os = "linux"))]
fn unnamed(_: &Path, _: Access) -> Option<File> {
    None
}

/// Gives an `O_TMPFILE` file a hidden name in `dir` (`linkat` through `/proc/self/fd`); where that is not
/// possible, copies it into a named temporary file.
#[cfg(target_os = "linux")]
fn name_unnamed(f: &File, dir: &Path, name: &str) -> io::Result<tempfile::TempPath> {
    use std::os::fd::AsRawFd;
    let proc = PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
    let prefix = format!(".{name}.");
    let linked = tempfile::Builder::new().prefix(&prefix).suffix(".tmp").make_in(dir, |path| {
        rustix::fs::linkat(rustix::fs::CWD, &proc, rustix::fs::CWD, path, rustix::fs::AtFlags::SYMLINK_FOLLOW)
            .map_err(io::Error::from)
    });
    match linked {
        Ok(named) => Ok(named.into_temp_path()),
        Err(_) => {
            let mut copy = hidden_file(dir, name)?;
            copy.as_file().set_permissions(f.metadata()?.permissions())?;
            let mut src = f.try_clone()?;
            io::Seek::seek(&mut src, io::SeekFrom::Start(0))?;
            io::copy(&mut src, &mut copy)?;
            copy.as_file().sync_all()?;
            Ok(copy.into_temp_path())
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn name_unnamed(_: &File, _: &Path, _: &str) -> io::Result<tempfile::TempPath> {
    unreachable!("unnamed files exist on Linux only")
}

/// Refuses an output that is one of the command's inputs (the same file, by path or through a link), so
/// that no command replaces what it is reading.
pub fn refuse_input(output: &Path, inputs: &[&Path]) -> Result<(), OutputError> {
    for input in inputs {
        if same_file(output, input) {
            return Err(OutputError {
                path: output.to_path_buf(),
                what: "refusing to write",
                source: io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("it is the input {}; choose another output path", input.display()),
                ),
            });
        }
    }
    Ok(())
}

/// Whether two paths name one file: the same device and inode when both exist, else the same absolute
/// path (an output not yet written).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The first characters that make a spreadsheet read a cell as a formula (`= + - @`, tab, carriage
/// return; OWASP), and the quote that marks a neutralised cell.
const FORMULA_START: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A CSV cell a spreadsheet shows as text: a cell that starts with a formula character, or with the
/// quote this adds, gets a leading `'`. [`from_spreadsheet_safe`] undoes exactly this.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_START) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// [`spreadsheet_safe`] for a cell that may not be UTF-8 (a rejected row as it came).
pub fn spreadsheet_safe_bytes(cell: &[u8]) -> Cow<'_, [u8]> {
    match cell.first() {
        Some(b) if FORMULA_START.contains(&char::from(*b)) => Cow::Owned([b"'".as_slice(), cell].concat()),
        _ => Cow::Borrowed(cell),
    }
}

/// The cell [`spreadsheet_safe`] was given: one leading `'` goes when what follows it would have been
/// neutralised; any other cell is unchanged.
pub fn from_spreadsheet_safe(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralising_is_undone_exactly() {
        for s in ["=1+2", "+31", "-", "@SUM(A1)", "\tx", "'", "'=x", "''", "plain", "", "Jan-Piet", "3-4"] {
            assert_eq!(from_spreadsheet_safe(&spreadsheet_safe(s)), s, "{s:?}");
        }
        assert_eq!(spreadsheet_safe("=1+2"), "'=1+2");
        assert_eq!(spreadsheet_safe("Jan-Piet"), "Jan-Piet");
        assert_eq!(from_spreadsheet_safe("'plain"), "'plain");
        assert_eq!(&*spreadsheet_safe_bytes(b"=\xff"), b"'=\xff");
        assert_eq!(&*spreadsheet_safe_bytes(b"\xff="), b"\xff=");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let target = dir.path().join("report.html");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        write(&target, b"new", Access::Private).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(!std::fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_private_unless_public() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        write(&p, b"x", Access::Private).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        let q = dir.path().join("b");
        write(&q, b"x", Access::Public).unwrap();
        assert_eq!(std::fs::metadata(&q).unwrap().permissions().mode() & 0o777, 0o644);
    }

    #[test]
    fn an_output_dropped_unfinished_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("rejects.csv");
        let mut out = Output::create(&target, Access::Private).unwrap();
        out.write_all(&vec![b'x'; 100_000]).unwrap();
        drop(out);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut out = Output::create(&target, Access::Private).unwrap();
        out.write_all(b"x").unwrap();
        let prepared = out.prepare().unwrap();
        // Prepared but not committed: nothing under the target's name, and where the file system has
        // unnamed files, nothing with a name at all (a kill -9 now leaves no trace).
        match prepared.temporary_path() {
            Some(p) => assert!(p.exists()),
            None => assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0),
        }
        assert!(!target.exists());
        drop(prepared);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_existing_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("monitor.json");
        std::fs::write(&target, "old").unwrap();
        let mut out = Output::create(&target, Access::Private).unwrap();
        out.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_input_is_never_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "x").unwrap();
        let other = dir.path().join(".").join("in.csv");
        assert!(refuse_input(&other, &[&input]).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("alias.csv");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(refuse_input(&link, &[&input]).is_err());
        }
        assert!(refuse_input(&dir.path().join("out.csv"), &[&input]).is_ok());
        let e = refuse_input(&input, &[&input]).unwrap_err().to_string();
        assert!(e.contains("choose another output path"), "{e}");
    }

    const SET: &[&str] = &["report.html", "monitor.json"];

    #[cfg(unix)]
    #[test]
    fn a_staged_set_appears_whole_and_replaces_planted_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("monitor");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join("report.html")).unwrap();
        let staged = Staged::create(&out, Access::Private, SET).unwrap();
        staged.write("report.html", b"<html>").unwrap();
        staged.write("monitor.json", b"{}").unwrap();
        assert!(!out.join("monitor.json").exists());
        assert_eq!(std::fs::read(staged.path().join("monitor.json")).unwrap(), b"{}");
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(out.join("report.html")).unwrap(), "<html>");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "the staging folder is gone");
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o700);
        let dropped = Staged::create(&out, Access::Private, SET).unwrap();
        dropped.write("monitor.json", b"half").unwrap();
        drop(dropped);
        assert_eq!(std::fs::read_to_string(out.join("monitor.json")).unwrap(), "{}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    /// The set replaces an earlier one as a whole (an old file the new set lacks goes with it), keeps the
    /// folder's mode, refuses a folder with files of the user's, and clears a killed run's staging folder.
    #[cfg(unix)]
    #[test]
    fn a_folder_is_replaced_whole_and_only_an_earlier_set() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("monitor");
        std::fs::create_dir(&out).unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(out.join("report.html"), "old").unwrap();
        std::fs::write(out.join("monitor.json"), "old").unwrap();
        let killed = dir.path().join(".monitor.zicht-staging.abc123");
        std::fs::create_dir(&killed).unwrap();
        let staged = Staged::create(&out, Access::Public, SET).unwrap();
        assert_eq!(staged.removed(), std::slice::from_ref(&killed));
        staged.write("report.html", b"new").unwrap();
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("report.html")).unwrap(), "new");
        assert!(!out.join("monitor.json").exists(), "the old set went whole");
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o755);
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = Staged::create(&out, Access::Private, SET).unwrap_err().to_string();
        assert!(err.contains("notes.txt") && err.contains("new or empty folder"), "{err}");
        assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
        let home = dir.path().join("file");
        std::fs::write(&home, "x").unwrap();
        assert!(Staged::create(&home, Access::Private, SET).is_err());
    }

    #[test]
    fn a_folder_in_the_way_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Output::create(dir.path(), Access::Private).is_err());
        assert!(Output::create(&dir.path().join("missing/x"), Access::Private).is_err());
    }
}
