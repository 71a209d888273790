//! Files npyscope writes for the user (`get -o`, `db get -o`, the plot's Export): written to a
//! temporary file beside the target and renamed over it when complete, so a failure never
//! leaves half a file. The temporary file is created with the mode any new file gets (0666
//! less the umask), not `tempfile`'s private 0600, so the result is readable as the user's
//! other files are.

use std::io;
use std::path::Path;

use tempfile::NamedTempFile;

/// A temporary file in `folder` (named `prefix…`) for [`NamedTempFile::persist`] onto the
/// target, with the usual new-file mode.
pub fn temporary_beside(folder: &Path, prefix: &str) -> io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // open(2) takes the umask off this mode, as for any file a program creates.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(folder)
}

#[cfg(test)]
mod tests {
    use super::temporary_beside;

    #[cfg(unix)]
    #[test]
    fn output_files_follow_the_umask_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a folder");
        let temp = temporary_beside(dir.path(), ".out").expect("a file");
        let target = dir.path().join("out.npy");
        temp.persist(&target).expect("persisted");
        let mode = std::fs::metadata(&target)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        // Whatever the umask, the group/other bits it allows are there (0600 had none); the
        // usual umask 022 gives 0644.
        let umask = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
        nix::sys::stat::umask(umask);
        assert_eq!(mode, 0o666 & !umask.bits(), "mode {mode:o}");
    }
}
