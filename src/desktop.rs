//! Linux desktop integration (`npyscope --install-desktop`, `--uninstall-desktop`): a `.desktop`
//! entry, the icon and a MIME type for `.npy` files in the user's data folder, and npyscope made
//! the default application for `.npy` files with `xdg-mime` where that is installed. Nothing is
//! written outside the user's own folders (the data folder, and `mimeapps.list` in the config
//! folder through `xdg-mime`).

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The desktop entry's file name, also its id for `xdg-mime`.
pub const DESKTOP_ID: &str = "npyscope.desktop";
/// The MIME type given to `.npy` files (shared-mime-info defines none).
pub const NPY_MIME: &str = "application/x-npy";
/// The files written, relative to the data folder.
pub const FILES: [&str; 3] = [
    "applications/npyscope.desktop",
    "icons/hicolor/128x128/apps/npyscope.png",
    "mime/packages/npyscope.xml",
];

/// The window icon (128x128 PNG).
const ICON: &[u8] = include_bytes!("../assets/icon.png");

/// The `.npy` MIME type: the glob and numpy's magic string.
const MIME_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="application/x-npy">
    <comment>NumPy array</comment>
    <glob pattern="*.npy"/>
    <magic priority="50"><match type="string" offset="0" value="\x93NUMPY"/></magic>
  </mime-type>
</mime-info>
"#;

/// The user's data folder: `$XDG_DATA_HOME` when absolute, else `~/.local/share`.
pub fn data_home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.data_dir().to_path_buf())
}

/// Writes the desktop entry (running `exe`), the icon and the MIME type under `data`, then
/// refreshes the desktop's databases and sets the default for `.npy` files with whichever of
/// `update-mime-database`, `update-desktop-database` and `xdg-mime` are installed. Returns what
/// was done, one line each.
pub fn install(data: &Path, exe: &Path) -> io::Result<Vec<String>> {
    let entry = desktop_entry(exe);
    let contents: [&[u8]; 3] = [entry.as_bytes(), ICON, MIME_XML.as_bytes()];
    let mut done = Vec::new();
    for (file, bytes) in FILES.iter().zip(contents) {
        let path = data.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        done.push(format!("wrote {}", path.display()));
    }
    done.extend(refresh(data));
    done.extend(helper("xdg-mime", &["default", DESKTOP_ID, NPY_MIME]));
    Ok(done)
}

/// Removes what [`install`] wrote under `data` and refreshes the databases; the default
/// application setting is left to the desktop (it names an entry that no longer exists).
pub fn uninstall(data: &Path) -> io::Result<Vec<String>> {
    let mut done = Vec::new();
    for file in FILES {
        let path = data.join(file);
        match std::fs::remove_file(&path) {
            Ok(()) => done.push(format!("removed {}", path.display())),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    done.extend(refresh(data));
    Ok(done)
}

/// The `[Desktop Entry]` that opens a file with `exe`.
pub fn desktop_entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName=npyscope\nGenericName=NumPy array inspector\n\
         Comment=Inspect NumPy .npy arrays and DataJoint object stores\nExec={} %f\n\
         Icon=npyscope\nTerminal=false\nCategories=Science;Development;\nMimeType={NPY_MIME};\n",
        exec_quote(&exe.to_string_lossy())
    )
}

/// A path as one quoted argument of an `Exec` key (the Desktop Entry specification's quoting,
/// then its string escaping of backslashes; `%` doubled).
fn exec_quote(path: &str) -> String {
    let mut quoted = String::from("\"");
    for c in path.chars() {
        match c {
            '"' | '`' | '$' => quoted.push_str(&format!("\\\\{c}")),
            '\\' => quoted.push_str("\\\\\\\\"),
            '%' => quoted.push_str("%%"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Rebuilds the user's MIME and desktop-entry caches where the tools exist.
fn refresh(data: &Path) -> Vec<String> {
    let mime = data.join("mime");
    let applications = data.join("applications");
    let mut done: Vec<String> = helper("update-mime-database", &[&mime.to_string_lossy()])
        .into_iter()
        .collect();
    done.extend(helper(
        "update-desktop-database",
        &[&applications.to_string_lossy()],
    ));
    done
}

/// Runs a desktop helper when it is installed; a line saying what happened, none when absent.
fn helper(program: &str, args: &[&str]) -> Option<String> {
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => Some(format!("ran {program} {}", args.join(" "))),
        Ok(status) => Some(format!("{program} {} failed ({status})", args.join(" "))),
        Err(_) => None,
    }
}
