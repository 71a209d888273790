//! [`Cursor`]: checked little-endian reads inside one item's byte range, with lengths and dimensions in the
//! blob's width (64-bit, or 32-bit for legacy MATLAB mYm blobs).

use super::error::BlobError;

/// numpy's largest number of dimensions (`NPY_MAXDIMS`); DataJoint cannot reshape to more.
pub(crate) const MAX_NDIM: u64 = 64;

/// How lengths, counts and dimensions are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Width {
    /// u64, what DataJoint writes.
    U64,
    /// u32, the 32-bit mYm library for MATLAB (DataJoint's `use_32bit_dims`).
    U32,
}

impl Width {
    /// Bytes of one length field.
    pub(crate) fn bytes(self) -> u64 {
        match self {
            Width::U64 => 8,
            Width::U32 => 4,
        }
    }
}

/// A read position in `buf`, bounded by `end`; every read is checked and never allocates from a declared size.
#[derive(Clone, Debug)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over all of `buf` starting at `pos`.
    pub(crate) fn new(buf: &'a [u8], pos: usize) -> Cursor<'a> {
        Cursor {
            buf,
            pos: pos.min(buf.len()),
            end: buf.len(),
        }
    }

    /// The current offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The bound of this cursor.
    pub(crate) fn end(&self) -> usize {
        self.end
    }

    /// Bytes left before the bound.
    pub(crate) fn remaining(&self) -> u64 {
        (self.end - self.pos) as u64
    }

    /// A truncation error for `need` bytes of `what` at the current position.
    pub(crate) fn truncated(&self, what: &'static str, need: u64) -> BlobError {
        BlobError::Truncated {
            what,
            at: self.pos as u64,
            need,
            have: self.remaining(),
        }
    }

    /// Takes `n` bytes, or a truncation error.
    pub(crate) fn take(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], BlobError> {
        if n > self.remaining() {
            return Err(self.truncated(what, n));
        }
        // n <= remaining, which is a usize.
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.buf[start..self.pos])
    }

    /// Takes exactly `N` bytes as an array.
    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], BlobError> {
        let bytes = self.take(N as u64, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// One byte.
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, BlobError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A u16.
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, BlobError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    /// A u32.
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, BlobError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// An i32.
    pub(crate) fn i32(&mut self, what: &'static str) -> Result<i32, BlobError> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    /// An i64.
    pub(crate) fn i64(&mut self, what: &'static str) -> Result<i64, BlobError> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    /// An f64.
    pub(crate) fn f64(&mut self, what: &'static str) -> Result<f64, BlobError> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }

    /// A length, count or dimension in the blob's width.
    pub(crate) fn len(&mut self, width: Width, what: &'static str) -> Result<u64, BlobError> {
        match width {
            Width::U64 => Ok(u64::from_le_bytes(self.array(what)?)),
            Width::U32 => Ok(u64::from(u32::from_le_bytes(self.array(what)?))),
        }
    }

    /// `ndim` then `ndim` dimensions; at most [`MAX_NDIM`] of them. `at` is the item's offset, for messages.
    pub(crate) fn shape(&mut self, width: Width, at: usize) -> Result<Vec<u64>, BlobError> {
        let ndim = self.len(width, "the number of dimensions")?;
        if ndim > MAX_NDIM {
            return Err(BlobError::TooManyDims {
                ndim,
                max: MAX_NDIM,
                at: at as u64,
            });
        }
        let mut shape = Vec::with_capacity(ndim as usize);
        for _ in 0..ndim {
            shape.push(self.len(width, "a dimension")?);
        }
        Ok(shape)
    }

    /// A NUL-terminated UTF-8 name (the NUL is consumed).
    pub(crate) fn name(&mut self) -> Result<&'a str, BlobError> {
        let at = self.pos;
        let rest = &self.buf[self.pos..self.end];
        let Some(nul) = rest.iter().position(|&b| b == 0) else {
            return Err(BlobError::Unterminated { at: at as u64 });
        };
        let text = std::str::from_utf8(&rest[..nul]).map_err(|_| BlobError::BadText {
            what: "a field name",
            at: at as u64,
        })?;
        self.pos += nul + 1;
        Ok(text)
    }

    /// A cursor over the next `len` bytes (for a length-prefixed item); this cursor moves past them.
    pub(crate) fn sub(&mut self, len: u64, what: &'static str) -> Result<Cursor<'a>, BlobError> {
        let start = self.pos;
        self.take(len, what)?;
        Ok(Cursor {
            buf: self.buf,
            pos: start,
            end: self.pos,
        })
    }

    /// Errors unless `count` items of at least `min_each` bytes can fit in what is left; `at` is the item's offset.
    pub(crate) fn check_count(
        &self,
        count: u64,
        min_each: u64,
        what: &'static str,
        at: usize,
    ) -> Result<(), BlobError> {
        let fits = count
            .checked_mul(min_each)
            .is_some_and(|need| need <= self.remaining());
        if fits {
            Ok(())
        } else {
            Err(BlobError::CountTooBig {
                what,
                at: at as u64,
                count,
                have: self.remaining(),
            })
        }
    }
}

/// Element count of a shape: 0 if any dimension is 0 (whatever the others), else the checked product.
pub(crate) fn element_count(shape: &[u64]) -> Option<u64> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_checked() {
        let buf = [2u8, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0];
        let mut c = Cursor::new(&buf, 0);
        assert_eq!(c.len(Width::U64, "n").unwrap(), 2);
        assert_eq!(c.len(Width::U32, "n").unwrap(), 3);
        assert_eq!(c.u8("x").unwrap_err().kind(), "truncated");
        let mut c = Cursor::new(&buf, 0);
        let e = c.shape(Width::U64, 0).unwrap_err();
        assert_eq!(e.kind(), "truncated", "{e}");
        assert_eq!(element_count(&[u64::MAX, u64::MAX, 0]), Some(0));
        assert_eq!(element_count(&[u64::MAX, 2]), None);
        assert_eq!(element_count(&[]), Some(1));
    }

    #[test]
    fn names_need_a_nul() {
        let mut c = Cursor::new(b"ab\0c", 0);
        assert_eq!(c.name().unwrap(), "ab");
        assert_eq!(c.name().unwrap_err().kind(), "unterminated");
        let mut c = Cursor::new(b"\xff\0", 0);
        assert_eq!(c.name().unwrap_err().kind(), "bad_text");
    }
}
