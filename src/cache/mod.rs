//! The on-disk download cache that makes remote arrays mappable: one complete `.npy` copy per
//! object under a hashed name, written to a temporary file and renamed into place, checked
//! against the object's ETag/size before use, kept under a size limit by LRU eviction that
//! never removes a file in use.

mod error;
mod fetch;
mod flight;
mod folder;
mod limit;
mod lru;
mod naming;
mod parts;
mod pin;
mod record;

pub use error::CacheError;
pub use folder::{Cache, Cleanup};
pub use limit::{CACHE_DIR_ENV, CACHE_LIMIT_ENV, DEFAULT_LIMIT_BYTES, parse_size};
pub use parts::{MIN_PART_BYTES, PART_BYTES, PARTS_IN_FLIGHT};
pub use pin::CachedFile;
pub use record::{CacheEntry, EntryRecord};
