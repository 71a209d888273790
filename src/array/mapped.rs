//! Memory maps of `.npy` files: a store's own file (local stores) or a cached copy (remote
//! ones). This module holds npyscope's only `unsafe`: creating the maps.
//!
//! # Safety
//! A memory map is only sound while nobody truncates or rewrites the file underneath it.
//! npyscope never writes to a store's files, maps cache files that are only ever replaced by
//! an atomic rename (the old inode stays intact), and pins cache entries while they are mapped.
//! Another program changing a mapped store file is the remaining risk, the same one `numpy.load(
//! mmap_mode='r')` takes; the mapped length is checked against the header before use.

use std::fs::File;
use std::path::Path;

use memmap2::{Mmap, MmapMut, MmapOptions};

use crate::cache::CachedFile;
use crate::npy::{ArrayMeta, NpyError};

/// How to map: read-only, or copy-on-write (changes stay in memory, never reach the file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MapMode {
    /// `mmap_mode='r'`.
    #[default]
    ReadOnly,
    /// `mmap_mode='c'`.
    CopyOnWrite,
}

impl std::str::FromStr for MapMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "r" => Ok(MapMode::ReadOnly),
            "c" => Ok(MapMode::CopyOnWrite),
            "r+" | "w+" => Err(format!(
                "mmap mode \"{text}\" would write to the store; npyscope maps read-only (\"r\") or copy-on-write (\"c\")"
            )),
            other => Err(format!(
                "unknown mmap mode \"{other}\" (use \"r\" or \"c\")"
            )),
        }
    }
}

enum Map {
    ReadOnly(Mmap),
    CopyOnWrite(MmapMut),
    /// Zero-length files cannot be mapped; an empty array needs no bytes.
    Empty,
}

/// A mapped `.npy` file: the array's data bytes in file order and byte order, read lazily by
/// the operating system.
pub struct MappedArray {
    map: Map,
    meta: ArrayMeta,
    /// Keeps a cached copy pinned (not evicted) while it is mapped.
    _pin: Option<CachedFile>,
}

impl std::fmt::Debug for MappedArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedArray")
            .field("shape", &self.meta.shape)
            .field("dtype", &self.meta.dtype)
            .finish_non_exhaustive()
    }
}

impl MappedArray {
    /// Maps the file at `path`, whose header is `meta`.
    pub fn map(path: &Path, meta: ArrayMeta, mode: MapMode) -> std::io::Result<MappedArray> {
        Self::map_file(&File::open(path)?, meta, mode, None)
    }

    /// Maps a cached copy through its open handle (the very version that was checked, even if
    /// a newer download has replaced the name since), keeping it pinned while mapped.
    pub fn map_cached(
        cached: CachedFile,
        meta: ArrayMeta,
        mode: MapMode,
    ) -> std::io::Result<MappedArray> {
        let file = cached.file().try_clone()?;
        Self::map_file(&file, meta, mode, Some(cached))
    }

    fn map_file(
        file: &File,
        meta: ArrayMeta,
        mode: MapMode,
        pin: Option<CachedFile>,
    ) -> std::io::Result<MappedArray> {
        let len = file.metadata()?.len();
        let expected = meta.expected_object_size();
        if len < expected {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                NpyError::Truncated {
                    expected,
                    actual: len,
                },
            ));
        }
        let map = if meta.nbytes == 0 {
            Map::Empty
        } else {
            let options = {
                let mut o = MmapOptions::new();
                o.offset(meta.data_offset)
                    .len(usize::try_from(meta.nbytes).map_err(std::io::Error::other)?);
                o
            };
            // SAFETY: see the module documentation: the file is not written by npyscope, and
            // its length was checked above.
            match mode {
                MapMode::ReadOnly => Map::ReadOnly(unsafe { options.map(file)? }),
                MapMode::CopyOnWrite => Map::CopyOnWrite(unsafe { options.map_copy(file)? }),
            }
        };
        Ok(MappedArray {
            map,
            meta,
            _pin: pin,
        })
    }

    /// The array's data bytes (file byte order and layout; see [`MappedArray::meta`]).
    pub fn data(&self) -> &[u8] {
        match &self.map {
            Map::ReadOnly(m) => m,
            Map::CopyOnWrite(m) => m,
            Map::Empty => &[],
        }
    }

    /// The data bytes for changing in memory, in copy-on-write mode only.
    pub fn data_mut(&mut self) -> Option<&mut [u8]> {
        match &mut self.map {
            Map::CopyOnWrite(m) => Some(m),
            _ => None,
        }
    }

    /// The header of the mapped file.
    pub fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    /// Where the mapping starts in this process's memory (tests check that a local store's
    /// file is mapped in place rather than copied).
    pub fn address_range(&self) -> std::ops::Range<usize> {
        let data = self.data();
        let start = data.as_ptr() as usize;
        start..start + data.len()
    }
}
