//! Text for people, shared by the command line and the window: shapes as numpy prints them and
//! byte counts in binary units.

/// A shape as numpy prints it: `()`, `(5,)`, `(1000, 32)`.
pub fn shape(shape: &[u64]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        dims => {
            let parts: Vec<String> = dims.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// A byte count in binary units: `1.5 KiB`, `12 B`.
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY)
}

/// `n` and a noun that takes an `s` in the plural: `1 folder`, `0 folders`, `2 arrays`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes_like_numpy() {
        assert_eq!(super::shape(&[]), "()");
        assert_eq!(super::shape(&[5]), "(5,)");
        assert_eq!(super::shape(&[1000, 32]), "(1000, 32)");
        assert_eq!(super::bytes(1536), "1.50 KiB");
        assert_eq!(super::count(1, "folder"), "1 folder");
        assert_eq!(super::count(0, "folder"), "0 folders");
        assert_eq!(super::count(2, "array"), "2 arrays");
    }
}
