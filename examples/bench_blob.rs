//! Timing of DataJoint blob decoding for `benches/run.sh blob` (benches/blobs.py): reads a blob file into memory,
//! then decodes it to an array in native C order (`npyscope::array::decoded::blob_array`, the path `Load` and `get`
//! take), several times; prints `RESULT seconds S bytes N` with the median.
//!
//! ```text
//! bench_blob FILE [REPEAT]
//! ```

use std::time::Instant;

use anyhow::Context;
use npyscope::array::decoded::blob_array;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let file = args.next().context("usage: bench_blob FILE [REPEAT]")?;
    let repeat: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let bytes = std::fs::read(&file).with_context(|| format!("read {file}"))?;
    let mut times = Vec::new();
    let mut nbytes = 0;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        let array = blob_array(&bytes)?;
        times.push(start.elapsed().as_secs_f64());
        nbytes = array.nbytes();
        drop(array);
    }
    times.sort_by(f64::total_cmp);
    println!("RESULT seconds {} bytes {nbytes}", times[times.len() / 2]);
    Ok(())
}
