//! What a listed object is, told from its first bytes: a `.npy` file, a DataJoint blob (`mYm\0`, `dj0\0`,
//! `ZL123\0`), a DataJoint attachment (`name\0bytes`) or raw bytes; and, for a blob that holds an array, the
//! [`ArrayMeta`] the rest of npyscope reads arrays by. Pure: bytes in, answers out; the reads are in `headers.rs`.

use crate::blob::{self, ArrayHeader, BlobError, BlobHeader, BlobKind, Sniffed};
use crate::npy::ArrayMeta;

/// The most bytes read from the start of an object to find a blob's header (a compressed blob's header is found
/// by inflating the start of its stream; DataJoint's longest array header takes 533 bytes uncompressed).
pub const MAX_BLOB_HEADER_READ: u64 = 1 << 20;

/// The kind of bytes an object holds, as `ls --json` names it in `format`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// A `.npy` file (by its name).
    Npy,
    /// A DataJoint blob; its header when it could be read.
    Blob(Option<BlobHeader>),
    /// A DataJoint attachment: the file name and the attached file's size.
    Attach {
        /// The attached file's name.
        name: String,
        /// Bytes of the attached file (the object less the name and its NUL).
        size: u64,
    },
    /// Anything else.
    Raw,
}

impl Format {
    /// `"npy"`, `"dj-blob"`, `"attach"` or `"raw"`: the `format` field of `ls --json`.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Blob(_) => "dj-blob",
            Format::Attach { .. } => "attach",
            Format::Raw => "raw",
        }
    }

    /// The blob's array header, when the object is a blob holding an array.
    pub fn blob_array(&self) -> Option<&ArrayHeader> {
        match self {
            Format::Blob(Some(BlobHeader {
                kind: BlobKind::Array(array),
                ..
            })) => Some(array),
            _ => None,
        }
    }

    /// Whether the array's data lies in the object as numpy holds it, at [`ArrayMeta::data_offset`]: every `.npy`,
    /// and an uncompressed blob of a plain numeric type (not complex, not MATLAB chars). Such an array is read by
    /// ranges and memory-mapped like a Fortran-order `.npy`; any other blob is decoded whole.
    pub fn data_in_place(&self) -> bool {
        match self {
            Format::Npy => true,
            Format::Blob(Some(header)) => {
                header.compression.is_none()
                    && self.blob_array().is_some_and(ArrayHeader::stored_as_numpy)
            }
            _ => false,
        }
    }

    /// Why an array of this format, whose header is `meta`, cannot be memory-mapped; `None` when it can: a `.npy`,
    /// or an uncompressed blob of plain numbers whose data starts at a multiple of its item size (DataJoint's
    /// headers rarely allow it; other blobs are loaded).
    pub fn mmap_refusal(&self, meta: &ArrayMeta) -> Option<&'static str> {
        match self {
            Format::Npy => None,
            Format::Blob(Some(header)) if header.compression.is_some() => {
                Some("it is a compressed DataJoint blob")
            }
            format if !format.data_in_place() => {
                Some("its stored bytes are converted when read (complex parts or MATLAB chars)")
            }
            _ if !meta.data_offset.is_multiple_of(meta.itemsize.max(1)) => {
                Some("its data is not aligned to its item size in the blob")
            }
            _ => None,
        }
    }

    /// Whether the object holds an array at all (a `.npy`, or a blob whose item is an array).
    pub fn holds_array(&self) -> bool {
        matches!(self, Format::Npy) || self.blob_array().is_some()
    }
}

/// What the first bytes of a (non-`.npy`) object say.
#[derive(Debug)]
pub(crate) enum Classified {
    /// Known: the format and, for an array, its metadata (or why there is none).
    Known(Format, Result<ArrayMeta, NotArray>),
    /// Read the first `n` bytes of the object and classify again.
    ReadMore(u64),
}

/// Why a classified object has no array metadata.
#[derive(Debug)]
pub(crate) enum NotArray {
    /// A blob whose header cannot be read.
    Broken(BlobError),
    /// Readable, but not an array: what it holds, in words.
    Holds(String),
}

/// Classifies an object of `object_size` bytes from its first bytes `first` (all of them when the object is
/// shorter than the read).
pub(crate) fn classify(first: &[u8], object_size: u64) -> Classified {
    match blob::sniff(first) {
        Sniffed::Blob => match blob::read_header(first, Some(object_size)) {
            Ok(header) => {
                let meta = blob_meta(&header);
                Classified::Known(Format::Blob(Some(header)), meta)
            }
            Err(BlobError::NeedMore { at_least, .. })
                if at_least > first.len() as u64 && at_least <= MAX_BLOB_HEADER_READ =>
            {
                Classified::ReadMore(at_least.min(object_size))
            }
            Err(err) => Classified::Known(Format::Blob(None), Err(NotArray::Broken(err))),
        },
        Sniffed::Attach { name, data_offset } => {
            let size = object_size.saturating_sub(data_offset as u64);
            let what = format!("an attachment \"{name}\" ({size} bytes)");
            Classified::Known(Format::Attach { name, size }, Err(NotArray::Holds(what)))
        }
        Sniffed::Raw => Classified::Known(
            Format::Raw,
            Err(NotArray::Holds(format!(
                "raw bytes ({object_size} bytes; neither .npy nor a DataJoint blob or attachment)"
            ))),
        ),
    }
}

/// The array metadata of a blob holding an array; a blob holding anything else says what it holds.
fn blob_meta(header: &BlobHeader) -> Result<ArrayMeta, NotArray> {
    match &header.kind {
        BlobKind::Array(array) => Ok(array_meta(array)),
        other => Err(NotArray::Holds(format!(
            "a DataJoint blob holding {} {}",
            article(other.name()),
            other.name()
        ))),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The [`ArrayMeta`] of a blob's array: numpy's dtype, shape, Fortran order, and where the stored data starts (in
/// the object when uncompressed, in the inflated stream otherwise). `format_version` is (0, 0): a blob has none.
pub fn array_meta(array: &ArrayHeader) -> ArrayMeta {
    ArrayMeta {
        format_version: (0, 0),
        dtype: array.dtype.clone(),
        fortran_order: array.fortran_order,
        shape: array.shape.clone(),
        data_offset: array.data_offset,
        size: array.size(),
        itemsize: array.dtype.itemsize(),
        nbytes: array.nbytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `datajoint.blob.pack(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16))` (DATAJOINT.md's test vector).
    const INT16: &str = "6d596d00410200000000000000020000000000000003000000000000000a00000000000000010004000200050003000600";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
            .collect()
    }

    #[test]
    fn blob_array_in_place() {
        let bytes = hex(INT16);
        let Classified::Known(format, Ok(meta)) = classify(&bytes, bytes.len() as u64) else {
            panic!("not classified as an array");
        };
        assert_eq!(format.name(), "dj-blob");
        assert!(format.data_in_place());
        assert_eq!(meta.shape, vec![2, 3]);
        assert!(meta.fortran_order);
        assert_eq!(meta.data_offset, 37);
        assert_eq!(meta.nbytes, 12);
    }

    #[test]
    fn short_read_asks_for_more() {
        let bytes = hex(INT16);
        assert!(matches!(
            classify(&bytes[..10], bytes.len() as u64),
            Classified::ReadMore(n) if n > 10
        ));
    }

    #[test]
    fn attach_and_raw() {
        let attach = classify(b"notes.txt\0hello attach\n", 23);
        assert!(matches!(
            attach,
            Classified::Known(Format::Attach { ref name, size: 13 }, Err(NotArray::Holds(_))) if name == "notes.txt"
        ));
        assert!(matches!(
            classify(b"\x01\x02\x03", 3),
            Classified::Known(Format::Raw, Err(_))
        ));
        assert!(matches!(
            classify(b"mYm\0Z", 5),
            Classified::Known(Format::Blob(None), Err(NotArray::Broken(_)))
        ));
    }
}
