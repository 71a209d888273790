//! The JSON record beside each cached copy: which store and object it is, which version
//! (size, ETag, last-modified), when it was downloaded and last used, and a stamp of the data
//! file it describes.

use std::fs::Metadata;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::store::ObjectInfo;

/// Version of the record format.
pub(crate) const RECORD_VERSION: u32 = 1;

/// What the cache knows of one cached copy (the `<key>.json` file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    /// Format version.
    pub version: u32,
    /// The store's name when it was downloaded.
    pub store: String,
    /// The store's identity (protocol, endpoint, bucket, location; no secrets).
    pub identity: String,
    /// The object's path in the store.
    pub path: String,
    /// The object's size in bytes.
    pub size: u64,
    /// The object's ETag, when the store gave one.
    pub e_tag: Option<String>,
    /// The object's last-modified time.
    #[serde(with = "rfc3339")]
    pub last_modified: DateTime<Utc>,
    /// When the copy was made.
    #[serde(with = "rfc3339")]
    pub downloaded: DateTime<Utc>,
    /// Last use when the record was written; later uses move the record file's
    /// modification time instead (no rewrite, so no race with a new download).
    #[serde(with = "rfc3339")]
    pub last_used: DateTime<Utc>,
    /// Inode, modification time and length of the data file this record describes, so a
    /// record is never taken for another download's data.
    pub data_stamp: String,
}

impl EntryRecord {
    /// A record of `object` of the store `store`/`identity`, for a data file stamped `stamp`.
    pub(crate) fn new(store: &str, identity: &str, object: &ObjectInfo, stamp: String) -> Self {
        let now = Utc::now();
        EntryRecord {
            version: RECORD_VERSION,
            store: store.to_string(),
            identity: identity.to_string(),
            path: object.path.clone(),
            size: object.size,
            e_tag: object.e_tag.clone(),
            last_modified: object.last_modified,
            downloaded: now,
            last_used: now,
            data_stamp: stamp,
        }
    }

    /// `true` when the record describes this version of this object: same store identity,
    /// path and size, and the same ETag (or, unless both sides have one, the same
    /// last-modified time).
    pub(crate) fn describes(&self, identity: &str, object: &ObjectInfo) -> bool {
        self.version == RECORD_VERSION
            && self.identity == identity
            && self.path == object.path
            && self.size == object.size
            && match (&self.e_tag, &object.e_tag) {
                (Some(ours), Some(theirs)) => normalize_etag(ours) == normalize_etag(theirs),
                _ => same_time(self.last_modified, object.last_modified),
            }
    }
}

/// Whether two last-modified times are the same: exactly, unless one of them has no
/// fraction of a second (HTTP dates, as HEAD returns them, carry whole seconds while
/// listings may carry more), then to the second.
fn same_time(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    if a.timestamp_subsec_nanos() == 0 || b.timestamp_subsec_nanos() == 0 {
        a.timestamp() == b.timestamp()
    } else {
        a == b
    }
}

/// An ETag without quotes and weak marker (listings and HEAD may quote differently).
fn normalize_etag(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/").trim_matches('"')
}

/// Inode, modification time (ns) and length of a file: what changes when the file is
/// replaced or rewritten.
pub(crate) fn stamp(meta: &Metadata) -> String {
    crate::store::file_stamp(meta)
}

/// One entry of the cache folder, as `npyscope cache ls` shows it.
#[derive(Clone, Debug)]
pub struct CacheEntry {
    /// The entry's key (the data file's name without `.npy`).
    pub key: String,
    /// The data file.
    pub data_path: PathBuf,
    /// Bytes on disk.
    pub size: u64,
    /// The record; `None` for a data file whose record is missing or unreadable (left by
    /// an interrupted commit; `gc` removes it).
    pub record: Option<EntryRecord>,
    /// Last use (the record's, or the data file's time without one).
    pub last_used: DateTime<Utc>,
    /// Pinned by a reader of this process, or locked by another process.
    pub in_use: bool,
}

/// (De)serializes times as RFC 3339 with nanoseconds, so they compare exactly.
mod rfc3339 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Nanos, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(e_tag: Option<&str>) -> ObjectInfo {
        ObjectInfo {
            path: "a/x.npy".to_string(),
            size: 1000,
            last_modified: DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap_or_default(),
            e_tag: e_tag.map(str::to_string),
        }
    }

    #[test]
    fn json_round_trip_keeps_times_exact() {
        let record = EntryRecord::new("lab", "s3:h:b:l", &object(Some("\"abc\"")), "1-2-3".into());
        let text = serde_json::to_string(&record).unwrap_or_default();
        let back: EntryRecord = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, record);
        assert!(back.describes("s3:h:b:l", &object(Some("\"abc\""))));
    }

    #[test]
    fn describes_only_the_same_version() {
        let record = EntryRecord::new("lab", "id", &object(Some("\"abc\"")), String::new());
        assert!(record.describes("id", &object(Some("abc"))));
        assert!(!record.describes("id", &object(Some("\"abd\""))));
        assert!(!record.describes("other", &object(Some("\"abc\""))));
        // Without an ETag on one side, the time decides (to the second against HTTP dates).
        assert!(record.describes("id", &object(None)));
        let mut whole_seconds = object(None);
        whole_seconds.last_modified =
            DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        assert!(record.describes("id", &whole_seconds));
        let mut next_second = object(None);
        next_second.last_modified += chrono::Duration::seconds(1);
        assert!(!record.describes("id", &next_second));
        let mut bigger = object(Some("\"abc\""));
        bigger.size = 1001;
        assert!(!record.describes("id", &bigger));
        let mut moved = object(Some("\"abc\""));
        moved.path = "a/y.npy".into();
        assert!(!record.describes("id", &moved));

        let untagged = EntryRecord::new("lab", "id", &object(None), String::new());
        assert!(untagged.describes("id", &object(None)));
        let mut later = object(None);
        later.last_modified += chrono::Duration::milliseconds(1);
        assert!(!untagged.describes("id", &later));
    }
}
