//! Arrays: the lazy reference to a stored `.npy` or DataJoint blob (the `NpyRef` counterpart),
//! loading, decoding, memory maps, row windows, and views of the numbers the plots need.

pub mod data;
pub mod decoded;
pub mod error;
pub mod field;
pub mod format;
pub mod lane;
pub mod mapped;
mod native;
mod reference;
pub mod text;
pub mod window;

pub use data::{Element, Filling, NdArray};
pub use error::ArrayError;
pub use lane::{ComplexPart, Lane, NumKind, Selection};
pub use mapped::{MapMode, MappedArray};
pub use reference::{AccessError, ArrayRef};
