//! The on-disk download cache that makes remote arrays mappable.
