//! `view` exports checked by numpy: rows `a[A:B]` written as `.npy` load equal to numpy's own slice (C and
//! Fortran order, big-endian, structured, 0-d), and the CSV's values parse back to the same numbers.

use std::path::Path;

use npyscope::npy::parse_header;
use npyscope::view::{write_rows_csv, write_rows_npy};

/// Runs `script` with numpy in `dir`; fails the test with numpy's message if an assertion fails.
fn numpy(dir: &Path, script: &str) {
    let out = std::process::Command::new("python3")
        .current_dir(dir)
        .args(["-c", &format!("import numpy as np, csv\n{script}")])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "numpy check failed (pip install numpy if it is missing):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const NAMES: [&str; 6] = ["c4", "f3", "f2be", "rec", "recf", "z0"];

#[test]
fn row_exports_load_in_numpy_equal_to_its_slices() {
    let dir = tempfile::tempdir().unwrap();
    numpy(
        dir.path(),
        "np.save('c4.npy', np.arange(120, dtype='<f4').reshape(4, 3, 2, 5) / 7)\n\
         np.save('f3.npy', np.asfortranarray(np.arange(60, dtype='<i8').reshape(5, 3, 4)))\n\
         np.save('f2be.npy', np.asfortranarray(np.arange(12, dtype='>f8').reshape(4, 3) * 1.5))\n\
         r = np.zeros(4, dtype=[('id', '<u2'), ('pos', '<f4', (2,)), ('name', 'S4')])\n\
         r['id'] = [1, 2, 3, 4]; r['pos'] = [[1, 2], [3, 4], [5, 6], [7, 8]]; r['name'] = [b'a', b'b,c', b'd', b'e']\n\
         np.save('rec.npy', r)\n\
         s = np.zeros((3, 2), dtype=[('x', '<i4'), ('y', '<c8')])\n\
         s['x'] = np.arange(6).reshape(3, 2); s['y'] = np.arange(6).reshape(3, 2) * (1 + 2j)\n\
         np.save('recf.npy', np.asfortranarray(s))\n\
         np.save('z0.npy', np.array(3.25))\n",
    );
    for name in NAMES {
        let file = std::fs::read(dir.path().join(format!("{name}.npy"))).unwrap();
        let meta = parse_header(&file).unwrap();
        let data = &file[meta.data_offset as usize..];
        let mut out = Vec::new();
        write_rows_npy(&meta, data, 1..3, &mut out).unwrap();
        std::fs::write(dir.path().join(format!("{name}_rows.npy")), &out).unwrap();
        out.clear();
        write_rows_npy(&meta, data, 0..u64::MAX, &mut out).unwrap();
        std::fs::write(dir.path().join(format!("{name}_all.npy")), &out).unwrap();
        out.clear();
        write_rows_csv(&meta, data, 1..3, &mut out).unwrap();
        std::fs::write(dir.path().join(format!("{name}_rows.csv")), &out).unwrap();
    }
    numpy(
        dir.path(),
        &format!(
            "for name in {NAMES:?}:\n\
             \x20   a = np.load(name + '.npy')\n\
             \x20   want = a[1:3] if a.ndim else np.empty((0,), a.dtype)\n\
             \x20   b = np.load(name + '_rows.npy')\n\
             \x20   assert b.dtype == want.dtype and b.shape == want.shape and np.array_equal(b, want), name\n\
             \x20   assert np.isfortran(b) == (np.isfortran(a) and a.ndim >= 2), name\n\
             \x20   c = np.load(name + '_all.npy')\n\
             \x20   assert c.dtype == a.dtype and c.shape == a.shape and np.array_equal(c, a), name\n\
             \x20   rows = list(csv.reader(open(name + '_rows.csv')))\n\
             \x20   assert len(rows) == 1 + len(want), name\n\
             \x20   for i, row in enumerate(rows[1:]):\n\
             \x20       assert int(row[0]) == i + 1, name\n\
             \x20       if want.dtype.names is None:\n\
             \x20           assert np.array_equal(np.array(row[1:], dtype=want.dtype), want[i].reshape(-1)), (name, row)\n\
             rows = list(csv.reader(open('rec_rows.csv')))\n\
             assert rows == [['row', 'id', 'pos[0]', 'pos[1]', 'name'], ['1', '2', '3', '4', 'b,c'], ['2', '3', '5', '6', 'd']], rows\n\
             rows = list(csv.reader(open('recf_rows.csv')))\n\
             assert rows[0] == ['row', 'c0.x', 'c0.y', 'c1.x', 'c1.y'] and rows[1] == ['1', '2', '(2+4j)', '3', '(3+6j)'], rows\n"
        ),
    );
}
