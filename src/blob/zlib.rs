//! The optional compression wrapper: `ZL123\0`, the uncompressed length (u64, or u32 in legacy 32-bit blobs),
//! then a zlib stream (RFC 1950). The length is only a claim: output is capped at it, checked against what zlib
//! can produce from the bytes given and against a configurable limit before anything is allocated.

use flate2::{Decompress, FlushDecompress, Status};

use super::cursor::Width;
use super::error::BlobError;

/// The bytes a compressed blob starts with.
pub const ZLIB_PREFIX: &[u8; 6] = b"ZL123\0";

/// Deflate's largest expansion: a 258-byte match in 2 bits is 1032:1.
const MAX_RATIO: u64 = 1032;
/// Slack for zlib's header, trailer and a final block.
const RATIO_SLACK: u64 = 1024;

/// What the wrapper says: the claimed uncompressed length and where the zlib stream starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Wrapper {
    /// The uncompressed length the blob claims.
    pub claim: u64,
    /// Offset of the zlib stream in the object.
    pub stream_offset: usize,
    /// Width of the length field (legacy 32-bit blobs have a u32).
    pub width: Width,
}

/// Whether two bytes are a zlib header DataJoint can read: deflate, window ≤ 32 KiB, check bits right, no preset
/// dictionary.
fn zlib_header(b: &[u8]) -> bool {
    match b {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
                && flg & 0x20 == 0
        }
        _ => false,
    }
}

/// Reads the wrapper from the first bytes of an object that starts with [`ZLIB_PREFIX`]. A legacy u32 length is
/// recognised by a zlib header right after it (a u64 that large would claim over 32 GiB). Errors: `Truncated` when
/// fewer than 16 bytes are given and they are not enough to decide, `Zlib` when no zlib stream follows.
pub(crate) fn wrapper(prefix: &[u8]) -> Result<Wrapper, BlobError> {
    let legacy = prefix.get(10..12).is_some_and(zlib_header);
    let (width, stream_offset) = if legacy {
        (Width::U32, 10)
    } else {
        (Width::U64, 14)
    };
    let Some(header) = prefix.get(stream_offset..stream_offset + 2) else {
        return Err(BlobError::Truncated {
            what: "the compressed blob's length and zlib header",
            at: ZLIB_PREFIX.len() as u64,
            need: 10,
            have: prefix.len().saturating_sub(ZLIB_PREFIX.len()) as u64,
        });
    };
    if !zlib_header(header) {
        return Err(BlobError::Zlib(format!(
            "no zlib header after the length (found {:#04x} {:#04x})",
            header[0], header[1]
        )));
    }
    let len = &prefix[6..stream_offset];
    let claim = match width {
        Width::U64 => u64::from_le_bytes(len.try_into().unwrap_or([0xff; 8])),
        Width::U32 => u64::from(u32::from_le_bytes(len.try_into().unwrap_or([0xff; 4]))),
    };
    Ok(Wrapper {
        claim,
        stream_offset,
        width,
    })
}

/// Errors if `claim` is more than zlib can produce from `compressed` bytes.
pub(crate) fn check_plausible(claim: u64, compressed: u64) -> Result<(), BlobError> {
    let most = compressed
        .saturating_mul(MAX_RATIO)
        .saturating_add(RATIO_SLACK);
    if claim > most {
        Err(BlobError::ImplausibleClaim {
            claimed: claim,
            compressed,
        })
    } else {
        Ok(())
    }
}

fn zlib_error(e: flate2::DecompressError) -> BlobError {
    BlobError::Zlib(e.to_string())
}

/// The error of a stream that stops giving bytes before its end.
fn early_end(z: &Decompress) -> BlobError {
    BlobError::Zlib(format!(
        "the stream ends early, after {} compressed bytes and {} inflated",
        z.total_in(),
        z.total_out()
    ))
}

/// Once every claimed byte is out (`ended`: the stream already said so): the stream must end
/// here, not run on past the claim.
fn expect_end(
    z: &mut Decompress,
    stream: &[u8],
    claim: u64,
    mut ended: bool,
) -> Result<(), BlobError> {
    while !ended {
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let input = stream.get(in_before as usize..).unwrap_or_default();
        let mut probe = [0u8; 1];
        let status = z
            .decompress(input, &mut probe, FlushDecompress::None)
            .map_err(zlib_error)?;
        if z.total_out() > out_before {
            return Err(BlobError::SizeMismatch {
                claimed: claim,
                actual: claim.saturating_add(1),
            });
        }
        ended = status == Status::StreamEnd;
        if !ended && z.total_in() == in_before {
            return Err(early_end(z));
        }
    }
    Ok(())
}

/// Inflates the whole `stream` into one buffer of exactly `claim` bytes, refusing claims over `limit` or beyond
/// zlib's ratio before allocating, and streams that run past the claim or end short of it. Bytes after the end of
/// the zlib stream are ignored, as by Python's `zlib.decompress`.
pub(crate) fn inflate_all(stream: &[u8], claim: u64, limit: u64) -> Result<Vec<u8>, BlobError> {
    check_claim(claim, stream.len() as u64, limit)?;
    let over_limit = || BlobError::OverLimit {
        claimed: claim,
        limit,
    };
    let cap = usize::try_from(claim).map_err(|_| over_limit())?;
    let mut out = Vec::new();
    out.try_reserve_exact(cap).map_err(|_| over_limit())?;
    let mut z = Decompress::new(true);
    let mut ended = false;
    while out.len() < cap && !ended {
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let input = stream.get(in_before as usize..).unwrap_or_default();
        let status = z
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(zlib_error)?;
        if out.len() > cap {
            // Only if the allocator gave more capacity than asked for.
            return Err(BlobError::SizeMismatch {
                claimed: claim,
                actual: out.len() as u64,
            });
        }
        ended = status == Status::StreamEnd;
        if !ended && z.total_in() == in_before && z.total_out() == out_before {
            return Err(early_end(&z));
        }
    }
    expect_end(&mut z, stream, claim, ended)?;
    if out.len() as u64 != claim {
        return Err(BlobError::SizeMismatch {
            claimed: claim,
            actual: out.len() as u64,
        });
    }
    Ok(out)
}

/// What inflating the start of a stream gave.
#[derive(Debug)]
pub(crate) struct Inflated {
    /// The first bytes of the uncompressed blob (at most the amount asked for).
    pub bytes: Vec<u8>,
    /// Whether all the compressed bytes given were used up before the output was full.
    pub input_exhausted: bool,
}

/// Inflates at most `want` bytes (and at most `claim`) from the start of a zlib stream, of which only a prefix may
/// be given: for header-only reads.
pub(crate) fn inflate_prefix(
    stream: &[u8],
    claim: u64,
    want: usize,
) -> Result<Inflated, BlobError> {
    let cap = usize::try_from(claim).unwrap_or(usize::MAX).min(want);
    let mut out = Vec::with_capacity(cap);
    let mut z = Decompress::new(true);
    loop {
        if out.len() >= cap {
            return Ok(Inflated {
                bytes: out,
                input_exhausted: false,
            });
        }
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let input = stream.get(in_before as usize..).unwrap_or_default();
        let status = z
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(zlib_error)?;
        if status == Status::StreamEnd {
            if (out.len() as u64) < claim {
                return Err(BlobError::SizeMismatch {
                    claimed: claim,
                    actual: out.len() as u64,
                });
            }
            return Ok(Inflated {
                bytes: out,
                input_exhausted: false,
            });
        }
        if z.total_in() == in_before && z.total_out() == out_before {
            return Ok(Inflated {
                bytes: out,
                input_exhausted: true,
            });
        }
    }
}

/// Checks a compressed blob's claimed length before anything is allocated for it: at most `limit`, and no more
/// than zlib can produce from `compressed` bytes.
pub fn check_claim(claim: u64, compressed: u64, limit: u64) -> Result<(), BlobError> {
    if claim > limit {
        return Err(BlobError::OverLimit {
            claimed: claim,
            limit,
        });
    }
    check_plausible(claim, compressed)
}

/// Inflates the whole `stream` (claiming `claim` bytes, checked as `inflate_all` does) into the buffers `outs`
/// one after the other, which must hold exactly `claim` bytes together: a caller inflates a blob's header into a
/// small buffer and its array's data straight into the array (no second copy). Errors as `inflate_all`.
pub fn inflate_into(
    stream: &[u8],
    claim: u64,
    limit: u64,
    outs: [&mut [u8]; 2],
) -> Result<(), BlobError> {
    check_claim(claim, stream.len() as u64, limit)?;
    let given: u64 = outs.iter().map(|o| o.len() as u64).sum();
    if given != claim {
        return Err(BlobError::SizeMismatch {
            claimed: claim,
            actual: given,
        });
    }
    let mut z = Decompress::new(true);
    let mut ended = false;
    for out in outs {
        let mut filled = 0usize;
        while filled < out.len() {
            if ended {
                return Err(BlobError::SizeMismatch {
                    claimed: claim,
                    actual: z.total_out(),
                });
            }
            let (in_before, out_before) = (z.total_in(), z.total_out());
            let input = stream.get(in_before as usize..).unwrap_or_default();
            let status = z
                .decompress(input, &mut out[filled..], FlushDecompress::None)
                .map_err(zlib_error)?;
            filled += (z.total_out() - out_before) as usize;
            ended = status == Status::StreamEnd;
            if !ended && z.total_in() == in_before && z.total_out() == out_before {
                return Err(early_end(&z));
            }
        }
    }
    expect_end(&mut z, stream, claim, ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn wrapped(claim: u64, data: &[u8]) -> Vec<u8> {
        let mut v = ZLIB_PREFIX.to_vec();
        v.extend(claim.to_le_bytes());
        v.extend(zlib(data));
        v
    }

    #[test]
    fn wrapper_widths() {
        let v = wrapped(5, b"hello");
        let w = wrapper(&v).unwrap();
        assert_eq!((w.claim, w.stream_offset, w.width), (5, 14, Width::U64));
        let mut legacy = ZLIB_PREFIX.to_vec();
        legacy.extend(5u32.to_le_bytes());
        legacy.extend(zlib(b"hello"));
        let w = wrapper(&legacy).unwrap();
        assert_eq!((w.claim, w.stream_offset, w.width), (5, 10, Width::U32));
        assert_eq!(wrapper(&v[..15]).unwrap_err().kind(), "truncated");
        let mut bad = v.clone();
        bad[14] = 0x00;
        assert_eq!(wrapper(&bad).unwrap_err().kind(), "zlib");
    }

    #[test]
    fn inflates_exactly_the_claim() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let z = zlib(&data);
        assert_eq!(inflate_all(&z, 5000, 1 << 30).unwrap(), data);
        // The stream runs past a smaller claim: stopped after claim + 1 bytes.
        let e = inflate_all(&z, 4000, 1 << 30).unwrap_err();
        assert_eq!(
            e,
            BlobError::SizeMismatch {
                claimed: 4000,
                actual: 4001
            }
        );
        let e = inflate_all(&z, 6000, 1 << 30).unwrap_err();
        assert_eq!(
            e,
            BlobError::SizeMismatch {
                claimed: 6000,
                actual: 5000
            }
        );
        assert_eq!(
            inflate_all(&z[..z.len() / 2], 5000, 1 << 30)
                .unwrap_err()
                .kind(),
            "zlib"
        );
        // Trailing bytes after the stream are ignored, as by zlib.decompress.
        let mut trailing = z.clone();
        trailing.extend(b"xyz");
        assert_eq!(inflate_all(&trailing, 5000, 1 << 30).unwrap(), data);
    }

    #[test]
    fn inflates_into_two_buffers_exactly() {
        let data: Vec<u8> = (0..70_000u32).map(|i| (i * 13 % 251) as u8).collect();
        let stream = zlib(&data);
        let (mut head, mut tail) = (vec![0u8; 37], vec![0u8; data.len() - 37]);
        inflate_into(&stream, data.len() as u64, u64::MAX, [&mut head, &mut tail]).unwrap();
        assert_eq!([head, tail].concat(), data);
        // A claim one short (the stream runs on) or one long (it ends early) is refused.
        let (mut head, mut tail) = (vec![0u8; 37], vec![0u8; data.len() - 38]);
        let short = inflate_into(
            &stream,
            data.len() as u64 - 1,
            u64::MAX,
            [&mut head, &mut tail],
        );
        assert!(
            matches!(short, Err(BlobError::SizeMismatch { .. })),
            "{short:?}"
        );
        let (mut head, mut tail) = (vec![0u8; 37], vec![0u8; data.len() - 36]);
        let long = inflate_into(
            &stream,
            data.len() as u64 + 1,
            u64::MAX,
            [&mut head, &mut tail],
        );
        assert!(long.is_err(), "{long:?}");
        // Truncated streams end in an error, not a hang.
        let (mut head, mut tail) = (vec![0u8; 37], vec![0u8; data.len() - 37]);
        let cut = inflate_into(
            &stream[..stream.len() / 2],
            data.len() as u64,
            u64::MAX,
            [&mut head, &mut tail],
        );
        assert!(cut.is_err(), "{cut:?}");
    }

    #[test]
    fn bombs_are_refused_before_allocating() {
        let zeros = zlib(&vec![0u8; 10 << 20]);
        assert!(zeros.len() < 20_000);
        let e = inflate_all(&zeros, 10 << 20, 1 << 20).unwrap_err();
        assert_eq!(e.kind(), "over_limit");
        let e = inflate_all(&zeros, 1 << 20, 1 << 30).unwrap_err();
        assert_eq!(e.kind(), "size_mismatch");
        let e = inflate_all(&zeros[..100], u64::MAX / 2, u64::MAX).unwrap_err();
        assert_eq!(e.kind(), "implausible_claim");
        assert_eq!(
            inflate_all(&zeros, 10 << 20, 1 << 30).unwrap().len(),
            10 << 20
        );
    }

    #[test]
    fn prefix_inflation_stops_early() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let z = zlib(&data);
        let got = inflate_prefix(&z, 100_000, 64).unwrap();
        assert_eq!(got.bytes, &data[..64]);
        let got = inflate_prefix(&z[..2], 100_000, 64).unwrap();
        assert!(got.input_exhausted && got.bytes.is_empty());
    }
}
