//! Where the cache lives and how big it may grow: arguments, environment, defaults, and
//! sizes written like `20GiB`.

use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable that moves the cache folder.
pub const CACHE_DIR_ENV: &str = "NPYSCOPE_CACHE_DIR";
/// Environment variable that sets the size limit, e.g. `20GiB`, `500MB` or a byte count.
pub const CACHE_LIMIT_ENV: &str = "NPYSCOPE_CACHE_LIMIT";
/// The size limit when none is set: 10 GiB.
pub const DEFAULT_LIMIT_BYTES: u64 = 10 << 30;

/// The folder: the argument, else the environment's, else the platform default.
pub(crate) fn resolve_dir(
    explicit: Option<PathBuf>,
    env: Option<OsString>,
    default: Option<PathBuf>,
) -> Option<PathBuf> {
    explicit
        .or_else(|| env.filter(|v| !v.is_empty()).map(PathBuf::from))
        .or(default)
}

/// The limit: the argument, else the environment's (parsed), else 10 GiB.
pub(crate) fn resolve_limit(explicit: Option<u64>, env: Option<&str>) -> Result<u64, String> {
    if let Some(limit) = explicit {
        return Ok(limit);
    }
    match env.map(str::trim).filter(|v| !v.is_empty()) {
        Some(text) => parse_size(text),
        None => Ok(DEFAULT_LIMIT_BYTES),
    }
}

/// Parses a size: a number (fractions allowed) and an optional unit. `KiB`, `MiB`, `GiB`,
/// `TiB` and the single letters `K`, `M`, `G`, `T` are binary; `KB`, `MB`, `GB`, `TB` are
/// decimal; `B` or nothing is bytes. Case and spaces do not matter.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err("it does not start with a number".to_string());
    }
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        other => return Err(format!("unknown unit \"{other}\"")),
    };
    if let Ok(whole) = number.parse::<u64>() {
        return whole
            .checked_mul(factor)
            .ok_or_else(|| "it is too large".to_string());
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("\"{number}\" is not a number"))?;
    let bytes = value * factor as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err("it is too large".to_string());
    }
    Ok(bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_with_units() {
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        assert_eq!(parse_size("20GiB"), Ok(20 << 30));
        assert_eq!(parse_size("20 gib"), Ok(20 << 30));
        assert_eq!(parse_size("20G"), Ok(20 << 30));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size(" 7 B "), Ok(7));
        assert_eq!(parse_size("2TiB"), Ok(2 << 40));
    }

    #[test]
    fn bad_sizes() {
        for text in [
            "",
            "GiB",
            "ten",
            "5 parsecs",
            "1.2.3G",
            "99999999999999999999TiB",
            "-1",
        ] {
            assert!(parse_size(text).is_err(), "{text}");
        }
        assert!(parse_size("20000000TiB").is_err());
    }

    #[test]
    fn argument_beats_environment_beats_default() {
        let arg = Some(PathBuf::from("/arg"));
        let env = Some(OsString::from("/env"));
        let default = Some(PathBuf::from("/default"));
        assert_eq!(
            resolve_dir(arg, env.clone(), default.clone()),
            Some(PathBuf::from("/arg"))
        );
        assert_eq!(
            resolve_dir(None, env, default.clone()),
            Some(PathBuf::from("/env"))
        );
        assert_eq!(
            resolve_dir(None, Some(OsString::new()), default.clone()),
            default
        );
        assert_eq!(resolve_limit(Some(5), Some("1GiB")), Ok(5));
        assert_eq!(resolve_limit(None, Some("1GiB")), Ok(1 << 30));
        assert_eq!(resolve_limit(None, None), Ok(DEFAULT_LIMIT_BYTES));
        assert!(resolve_limit(None, Some("lots")).is_err());
    }
}
