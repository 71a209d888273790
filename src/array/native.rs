//! Byte-order and layout conversion to the host's native form: which bytes of an element to reverse (recursively
//! through structured fields and sub-arrays), and the Fortran → C transpose.

use crate::npy::{ByteOrder, DType, Field, ScalarKind, ScalarType};

/// Whether scalars in `order` must be byte-reversed on this host.
pub(crate) fn needs_swap(order: ByteOrder) -> bool {
    match order {
        ByteOrder::Little => cfg!(target_endian = "big"),
        ByteOrder::Big => cfg!(target_endian = "little"),
        ByteOrder::NotApplicable => false,
    }
}

/// The host's byte order.
pub(crate) fn native_order() -> ByteOrder {
    if cfg!(target_endian = "big") {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    }
}

/// The dtype with every multi-byte scalar (nested fields included) in the host's byte order.
pub(crate) fn native_dtype(dtype: &DType) -> DType {
    match dtype {
        DType::Scalar(s) if s.order != ByteOrder::NotApplicable => DType::Scalar(ScalarType {
            order: native_order(),
            kind: s.kind,
        }),
        DType::Scalar(s) => DType::Scalar(*s),
        DType::Structured(fields) => DType::Structured(
            fields
                .iter()
                .map(|f| Field {
                    name: f.name.clone(),
                    title: f.title.clone(),
                    dtype: native_dtype(&f.dtype),
                    shape: f.shape.clone(),
                    levels: f.levels.clone(),
                })
                .collect(),
        ),
    }
}

/// `count` units of `width` bytes to reverse, `step` bytes apart, starting `offset` bytes into an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub offset: usize,
    pub width: usize,
    pub count: usize,
    pub step: usize,
}

/// The byte-reversal runs of one element of `dtype`, offsets from `base`. The caller guarantees the itemsize fits
/// in `usize` (it is at most the data length); arithmetic saturates otherwise, and [`apply`] bounds-checks anyway.
pub(crate) fn swap_plan(dtype: &DType, base: usize, out: &mut Vec<Run>) {
    match dtype {
        DType::Scalar(s) => {
            if let Some(r) = scalar_run(s, base) {
                out.push(r);
            }
        }
        DType::Structured(fields) => {
            let mut offset = base;
            for f in fields {
                field_plan(f, offset, out);
                offset = offset.saturating_add(usize::try_from(f.itemsize()).unwrap_or(usize::MAX));
            }
        }
    }
}

/// Runs of one field at `offset`, repeated over its sub-array.
fn field_plan(f: &Field, offset: usize, out: &mut Vec<Run>) {
    let count = f.shape.iter().fold(1u64, |acc, &d| acc.saturating_mul(d));
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let inner_size = usize::try_from(f.dtype.itemsize()).unwrap_or(usize::MAX);
    if count == 0 || inner_size == 0 {
        return;
    }
    let mut inner = Vec::new();
    swap_plan(&f.dtype, 0, &mut inner);
    match inner.as_slice() {
        [] => {}
        // A scalar sub-array is one run of all its units.
        [r] if r.count == 1 && r.offset == 0 => out.push(Run {
            offset,
            width: r.width,
            count,
            step: inner_size,
        }),
        _ => {
            for k in 0..count {
                let shift = offset.saturating_add(k.saturating_mul(inner_size));
                out.extend(inner.iter().map(|r| Run {
                    offset: r.offset.saturating_add(shift),
                    ..*r
                }));
            }
        }
    }
}

/// The run of a scalar that needs swapping on this host, if any.
fn scalar_run(s: &ScalarType, offset: usize) -> Option<Run> {
    if !needs_swap(s.order) {
        return None;
    }
    let (width, count) = match s.kind {
        ScalarKind::Int(n) | ScalarKind::UInt(n) | ScalarKind::Float(n) if n > 1 => {
            (usize::from(n), 1)
        }
        ScalarKind::Complex(n) => (usize::from(n / 2), 2),
        ScalarKind::DateTime(_) | ScalarKind::TimeDelta(_) => (8, 1),
        ScalarKind::Str(n) => (4, usize::try_from(n).unwrap_or(usize::MAX)),
        _ => return None,
    };
    (count > 0 && width > 1).then_some(Run {
        offset,
        width,
        count,
        step: width,
    })
}

/// Applies `plan` to every `itemsize`-byte element of `buf`; units that would run past an element are skipped.
pub(crate) fn apply(plan: &[Run], itemsize: usize, buf: &mut [u8]) {
    if plan.is_empty() || itemsize == 0 {
        return;
    }
    // Plain scalar arrays (and U strings): the whole buffer is a sequence of equal units.
    if let [r] = plan
        && r.offset == 0
        && r.step == r.width
        && r.count.checked_mul(r.width) == Some(itemsize)
    {
        return swap_units(buf, r.width);
    }
    for elem in buf.chunks_exact_mut(itemsize) {
        for r in plan {
            for k in 0..r.count {
                let start = r.offset.saturating_add(k.saturating_mul(r.step));
                let Some(unit) = start
                    .checked_add(r.width)
                    .and_then(|end| elem.get_mut(start..end))
                else {
                    break;
                };
                unit.reverse();
            }
        }
    }
}

/// Reverses every `width`-byte unit of `buf`, with fixed-size fast paths.
fn swap_units(buf: &mut [u8], width: usize) {
    fn fixed<const N: usize>(buf: &mut [u8]) {
        for c in buf.chunks_exact_mut(N) {
            c.reverse();
        }
    }
    match width {
        2 => fixed::<2>(buf),
        4 => fixed::<4>(buf),
        8 => fixed::<8>(buf),
        _ => {
            for c in buf.chunks_exact_mut(width) {
                c.reverse();
            }
        }
    }
}

/// Copies Fortran-ordered `src` into C-ordered `dst` (same length: the product of `shape` times `itemsize`, which
/// the caller checked fits in `usize`).
pub(crate) fn fortran_to_c(src: &[u8], dst: &mut [u8], shape: &[usize], itemsize: usize) {
    let n = shape.len();
    let total = shape.iter().try_fold(itemsize, |a, &d| a.checked_mul(d));
    if n < 2 || itemsize == 0 || total != Some(src.len()) || src.len() != dst.len() {
        let len = src.len().min(dst.len());
        dst[..len].copy_from_slice(&src[..len]);
        return;
    }
    if src.is_empty() {
        return;
    }
    // Byte strides of the source (Fortran): the first axis varies fastest.
    let mut fstride = Vec::with_capacity(n);
    let mut acc = itemsize;
    for &d in shape {
        fstride.push(acc);
        acc = acc.saturating_mul(d);
    }
    let last = shape[n - 1];
    let last_stride = fstride[n - 1];
    let mut idx = vec![0usize; n - 1];
    let mut out = dst.chunks_exact_mut(itemsize);
    loop {
        let base: usize = idx.iter().zip(&fstride).map(|(i, s)| i * s).sum();
        for j in 0..last {
            let s = base + j * last_stride;
            if let (Some(o), Some(v)) = (out.next(), src.get(s..s + itemsize)) {
                o.copy_from_slice(v);
            }
        }
        // Odometer over all axes but the last, last-but-one fastest (C order).
        let mut k = n - 1;
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::parse_typestr;

    fn scalar(s: &str) -> DType {
        DType::Scalar(parse_typestr(s).unwrap())
    }

    #[test]
    fn plans_for_scalars() {
        let mut p = Vec::new();
        swap_plan(&scalar("<f8"), 0, &mut p);
        assert_eq!(p.is_empty(), cfg!(target_endian = "little"));
        let mut p = Vec::new();
        swap_plan(&scalar(">c8"), 0, &mut p);
        if cfg!(target_endian = "little") {
            assert_eq!(
                p,
                vec![Run {
                    offset: 0,
                    width: 4,
                    count: 2,
                    step: 4
                }]
            );
        }
        let mut p = Vec::new();
        swap_plan(&scalar("|S9"), 0, &mut p);
        assert!(p.is_empty());
    }

    #[test]
    fn transpose_2d_and_3d() {
        // Fortran (2, 3) of bytes: column-major 0..6 → C order rows [0, 2, 4], [1, 3, 5].
        let src: Vec<u8> = (0..6).collect();
        let mut dst = vec![0u8; 6];
        fortran_to_c(&src, &mut dst, &[2, 3], 1);
        assert_eq!(dst, vec![0, 2, 4, 1, 3, 5]);
        let src: Vec<u8> = (0..24).collect();
        let mut dst = vec![0u8; 24];
        fortran_to_c(&src, &mut dst, &[2, 3, 4], 1);
        // C index (i, j, k) reads Fortran offset i + 2 j + 6 k.
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    assert_eq!(dst[i * 12 + j * 4 + k] as usize, i + 2 * j + 6 * k);
                }
            }
        }
    }

    #[test]
    fn structured_plan_repeats_sub_arrays() {
        let dt = DType::Structured(vec![
            Field {
                name: "a".into(),
                title: None,
                dtype: scalar("|u1"),
                shape: vec![],
                levels: Vec::new(),
            },
            Field {
                name: "b".into(),
                title: None,
                dtype: scalar(">i2"),
                shape: vec![2, 3],
                levels: Vec::new(),
            },
        ]);
        let mut p = Vec::new();
        swap_plan(&dt, 0, &mut p);
        if cfg!(target_endian = "little") {
            assert_eq!(
                p,
                vec![Run {
                    offset: 1,
                    width: 2,
                    count: 6,
                    step: 2
                }]
            );
            let mut buf: Vec<u8> = (0..13).collect();
            apply(&p, 13, &mut buf);
            assert_eq!(buf, vec![0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]);
        }
    }
}
