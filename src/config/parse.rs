//! Raw store JSON → validated [`StoreSpec`], following DataJoint's `Config.get_store_spec`
//! (required and allowed attributes per protocol, defaults, prefix separation) and
//! `StorageBackend` (`storage.py`: non-empty S3 endpoint and bucket, both-or-neither keys).

use std::path::Path;

use serde_json::{Map, Value, json};

use super::error::{ConfigError, StoreSpecError};
use super::spec::{Backend, LayoutSettings, Origin, Secret, StoreSpec};

/// Attributes every protocol accepts (`_apply_common_store_defaults` and `stage`).
const COMMON_ATTRS: &[&str] = &[
    "protocol",
    "location",
    "subfolding",
    "partition_pattern",
    "token_length",
    "hash_prefix",
    "schema_prefix",
    "filepath_prefix",
    "stage",
];

/// Protocol-specific attributes DataJoint accepts, plus `region` for S3 (an npyscope extension
/// that DataJoint itself rejects).
fn protocol_attrs(protocol: &str) -> &'static [&'static str] {
    match protocol {
        "s3" => &[
            "endpoint",
            "bucket",
            "access_key",
            "secret_key",
            "secure",
            "proxy_server",
            "region",
        ],
        "gcs" => &["bucket", "token", "project"],
        "azure" => &[
            "container",
            "account_name",
            "account_key",
            "connection_string",
        ],
        _ => &[],
    }
}

/// Attributes that must be present; all but `location` must also be non-empty.
fn required_attrs(protocol: &str) -> &'static [&'static str] {
    match protocol {
        "file" => &["location"],
        "s3" => &["endpoint", "bucket", "location"],
        "gcs" => &["bucket", "location"],
        "azure" => &["container", "location"],
        _ => &[],
    }
}

/// How strictly to check attribute names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyCheck {
    /// Reject attributes DataJoint 2.x rejects (the `stores` block, `DJ_STORES`).
    Strict,
    /// Accept anything (the pre-release `object_storage.stores` shape, which had extra keys).
    Lenient,
}

impl StoreSpec {
    /// Validates one store's JSON object (an entry of a `stores` block) as DataJoint would.
    /// A relative `file` location is taken relative to `working_dir`, as DataJoint (which
    /// opens it from its current folder) does.
    pub fn from_json(
        name: &str,
        value: &Value,
        origin: Origin,
        working_dir: &Path,
    ) -> Result<StoreSpec, StoreSpecError> {
        parse_store(
            name,
            value,
            origin,
            Vec::new(),
            working_dir,
            KeyCheck::Strict,
        )
    }

    /// An ad-hoc `file` store for a folder, named by the path as given, with default layout.
    pub fn local_folder(path: &Path) -> StoreSpec {
        StoreSpec {
            name: path.display().to_string(),
            backend: Backend::File {
                location: path.to_path_buf(),
            },
            layout: LayoutSettings::default(),
            origin: Origin::AdHoc,
            secrets_from: Vec::new(),
        }
    }

    /// An ad-hoc AWS S3 store from `s3://bucket` or `s3://bucket/prefix`: no endpoint (AWS
    /// itself), credentials from the AWS environment/credential chain, default layout.
    pub fn from_s3_url(url: &str) -> Result<StoreSpec, ConfigError> {
        let bad = |reason| ConfigError::BadS3Url {
            url: url.to_string(),
            reason,
        };
        let rest = url
            .get(..5)
            .filter(|scheme| scheme.eq_ignore_ascii_case("s3://"))
            .and_then(|_| url.get(5..))
            .ok_or_else(|| bad("it does not start with s3://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("the bucket name is missing"));
        }
        if !bucket
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(bad(
                "the bucket name may hold only letters, digits, '.', '-' and '_'",
            ));
        }
        if prefix.contains(['?', '#']) {
            return Err(bad("query strings and fragments are not supported"));
        }
        Ok(StoreSpec {
            name: url.to_string(),
            backend: Backend::S3 {
                endpoint: None,
                bucket: bucket.to_string(),
                location: prefix.trim_matches('/').to_string(),
                access_key: None,
                secret_key: None,
                secure: true,
                region: None,
            },
            layout: LayoutSettings::default(),
            origin: Origin::AdHoc,
            secrets_from: Vec::new(),
        })
    }

    /// Every attribute as JSON for `npyscope stores --json`: secrets as `"***"` when present
    /// or `null`, plus `origin` and `secrets_from`.
    pub fn to_redacted_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(self.name));
        out.insert("protocol".into(), json!(self.backend.protocol()));
        match &self.backend {
            Backend::File { location } => {
                out.insert("location".into(), json!(location.to_string_lossy()));
            }
            Backend::S3 {
                endpoint,
                bucket,
                location,
                access_key,
                secret_key,
                secure,
                region,
            } => {
                out.insert("endpoint".into(), json!(endpoint));
                out.insert(
                    "endpoint_url".into(),
                    json!(endpoint.as_deref().map(|e| endpoint_url(e, *secure))),
                );
                out.insert("bucket".into(), json!(bucket));
                out.insert("location".into(), json!(location));
                out.insert("access_key".into(), redacted(access_key));
                out.insert("secret_key".into(), redacted(secret_key));
                out.insert("secure".into(), json!(secure));
                out.insert("region".into(), json!(region));
            }
            Backend::Gcs {
                bucket,
                location,
                project,
                token,
            } => {
                out.insert("bucket".into(), json!(bucket));
                out.insert("location".into(), json!(location));
                out.insert("project".into(), json!(project));
                out.insert("token".into(), redacted(token));
            }
            Backend::Azure {
                container,
                location,
                account_name,
                account_key,
                connection_string,
            } => {
                out.insert("container".into(), json!(container));
                out.insert("location".into(), json!(location));
                out.insert("account_name".into(), json!(account_name));
                out.insert("account_key".into(), redacted(account_key));
                out.insert("connection_string".into(), redacted(connection_string));
            }
        }
        let layout = &self.layout;
        out.insert("schema_prefix".into(), json!(layout.schema_prefix));
        out.insert("hash_prefix".into(), json!(layout.hash_prefix));
        out.insert("filepath_prefix".into(), json!(layout.filepath_prefix));
        out.insert("partition_pattern".into(), json!(layout.partition_pattern));
        out.insert("token_length".into(), json!(layout.token_length));
        out.insert("origin".into(), origin_json(&self.origin));
        out.insert("secrets_from".into(), json!(self.secrets_from));
        Value::Object(out)
    }
}

/// `"***"` for a present secret, `null` otherwise.
fn redacted(secret: &Option<Secret>) -> Value {
    match secret {
        Some(_) => json!("***"),
        None => Value::Null,
    }
}

/// `{"kind": ..., "path": ...}` for an [`Origin`].
fn origin_json(origin: &Origin) -> Value {
    match origin {
        Origin::File(path) => json!({"kind": "file", "path": path.to_string_lossy()}),
        Origin::Secrets(path) => json!({"kind": "secrets", "path": path.to_string_lossy()}),
        Origin::Env => json!({"kind": "env", "path": null}),
        Origin::AdHoc => json!({"kind": "ad-hoc", "path": null}),
        Origin::Settings => json!({"kind": "settings", "path": null}),
    }
}

/// Whether an S3 endpoint (as DataJoint takes it, see [`endpoint_url`]) is a URL an HTTP client
/// can use: http or https, a host name or address, a port from 1 to 65535, no user or password;
/// otherwise what is wrong, for the error. Checked here so no client is built from it.
fn check_endpoint(endpoint: &str, secure: bool) -> Result<(), String> {
    let lower = endpoint.trim().to_ascii_lowercase();
    if let Some((scheme, _)) = lower.split_once("://")
        && !matches!(scheme, "http" | "https")
    {
        return Err(format!("the scheme must be http or https, not {scheme}"));
    }
    let url = url::Url::parse(&endpoint_url(endpoint, secure)).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme must be http or https, not {}",
            url.scheme()
        ));
    }
    match url.host() {
        None => return Err("there is no host".to_string()),
        Some(url::Host::Domain(name)) => {
            let valid = |label: &str| {
                !label.is_empty()
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            };
            if !name.trim_end_matches('.').split('.').all(valid) {
                return Err(format!("\"{name}\" is not a host name"));
            }
        }
        Some(_) => {}
    }
    if url.port() == Some(0) {
        return Err("port 0".to_string());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put the keys in access_key and secret_key, not in the URL".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a query or fragment is not part of an endpoint".to_string());
    }
    Ok(())
}

/// The endpoint for a message: anything before an `@` (a user and password) masked.
fn without_userinfo(endpoint: &str) -> String {
    match endpoint.rsplit_once('@') {
        Some((before, host)) => {
            let scheme = before.find("://").map_or("", |i| &before[..i + 3]);
            format!("{scheme}***@{host}")
        }
        None => endpoint.to_string(),
    }
}

/// DataJoint's endpoint rule (`storage.py`): an endpoint that starts with `http://` or
/// `https://` is used as given, otherwise `https://` (secure) or `http://` goes in front.
/// A trailing `/` is dropped, as the store client does.
pub fn endpoint_url(endpoint: &str, secure: bool) -> String {
    let endpoint = endpoint.trim().trim_end_matches('/');
    if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
        endpoint.to_string()
    } else if secure {
        format!("https://{endpoint}")
    } else {
        format!("http://{endpoint}")
    }
}

/// Validates one raw store entry. `secrets_from` names the attributes filled from secret files.
pub(crate) fn parse_store(
    name: &str,
    value: &Value,
    origin: Origin,
    secrets_from: Vec<String>,
    working_dir: &Path,
    keys: KeyCheck,
) -> Result<StoreSpec, StoreSpecError> {
    let store = name.to_string();
    let obj = value
        .as_object()
        .ok_or_else(|| StoreSpecError::NotAnObject {
            store: store.clone(),
        })?;
    let attrs = Attrs { store: name, obj };

    let protocol = match obj.get("protocol") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => Some(text.as_str()),
        Some(_) => return Err(attrs.wrong("protocol", "a string")),
    }
    .ok_or_else(|| StoreSpecError::MissingProtocol {
        store: store.clone(),
    })?;
    let lowered = protocol.to_lowercase();
    let protocol = match lowered.as_str() {
        "file" | "s3" | "gcs" | "azure" => lowered.as_str(),
        _ => {
            return Err(StoreSpecError::UnknownProtocol {
                store,
                protocol: protocol.to_string(),
            });
        }
    };

    let mut missing: Vec<String> = required_attrs(protocol)
        .iter()
        .filter(|&&attr| match obj.get(attr) {
            None => true,
            Some(_) if attr == "location" => false,
            Some(Value::Null) => true,
            Some(Value::String(text)) => text.trim().is_empty(),
            Some(_) => false,
        })
        .map(|attr| attr.to_string())
        .collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(StoreSpecError::Missing {
            store,
            protocol: protocol.to_string(),
            attrs: missing,
        });
    }

    if keys == KeyCheck::Strict {
        let allowed = protocol_attrs(protocol);
        let mut unknown: Vec<String> = obj
            .keys()
            .filter(|key| !COMMON_ATTRS.contains(&key.as_str()) && !allowed.contains(&key.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            unknown.sort();
            return Err(StoreSpecError::UnknownAttributes {
                store,
                protocol: protocol.to_string(),
                attrs: unknown,
            });
        }
    }

    let location = attrs.string("location")?.unwrap_or_default();
    let backend = match protocol {
        "file" => Backend::File {
            location: working_dir.join(location),
        },
        "s3" => {
            let access_key = attrs.secret("access_key")?;
            let secret_key = attrs.secret("secret_key")?;
            if access_key.is_some() != secret_key.is_some() {
                return Err(StoreSpecError::PartialCredentials { store });
            }
            let endpoint = attrs.string("endpoint")?.map(|e| e.trim().to_string());
            if let Some(endpoint) = &endpoint {
                check_endpoint(endpoint, attrs.secure()?).map_err(|problem| {
                    StoreSpecError::BadEndpoint {
                        store: store.clone(),
                        endpoint: without_userinfo(endpoint),
                        problem,
                    }
                })?;
            }
            Backend::S3 {
                endpoint,
                bucket: attrs.string("bucket")?.unwrap_or_default(),
                location: trim_key_prefix(&location),
                access_key,
                secret_key,
                secure: attrs.secure()?,
                region: attrs.non_empty("region")?,
            }
        }
        "gcs" => Backend::Gcs {
            bucket: attrs.string("bucket")?.unwrap_or_default(),
            location: trim_key_prefix(&location),
            project: attrs.non_empty("project")?,
            token: attrs.gcs_token()?,
        },
        _ => Backend::Azure {
            container: attrs.string("container")?.unwrap_or_default(),
            location: trim_key_prefix(&location),
            account_name: attrs.non_empty("account_name")?,
            account_key: attrs.secret("account_key")?,
            connection_string: attrs.secret("connection_string")?,
        },
    };

    let defaults = LayoutSettings::default();
    let layout = LayoutSettings {
        schema_prefix: attrs
            .string("schema_prefix")?
            .map(|p| trim_key_prefix(&p))
            .unwrap_or(defaults.schema_prefix),
        hash_prefix: attrs
            .string("hash_prefix")?
            .map(|p| trim_key_prefix(&p))
            .unwrap_or(defaults.hash_prefix),
        filepath_prefix: attrs
            .non_empty("filepath_prefix")?
            .map(|p| trim_key_prefix(&p))
            .filter(|p| !p.is_empty()),
        partition_pattern: attrs.non_empty("partition_pattern")?,
        token_length: attrs.token_length()?,
    };
    check_prefixes(name, &layout)?;

    let mut secrets_from = secrets_from;
    secrets_from.sort();
    Ok(StoreSpec {
        name: store,
        backend,
        layout,
        origin,
        secrets_from,
    })
}

/// Strips the slashes around a key prefix (`/data/` → `data`), as DataJoint does for its
/// section prefixes; object keys have no leading slash.
fn trim_key_prefix(prefix: &str) -> String {
    prefix.trim().trim_matches('/').to_string()
}

/// DataJoint's `_validate_prefix_separation`: non-empty section prefixes must not be equal or
/// nested.
fn check_prefixes(store: &str, layout: &LayoutSettings) -> Result<(), StoreSpecError> {
    let mut prefixes: Vec<(&'static str, &str)> = Vec::new();
    if !layout.hash_prefix.is_empty() {
        prefixes.push(("hash_prefix", &layout.hash_prefix));
    }
    if !layout.schema_prefix.is_empty() {
        prefixes.push(("schema_prefix", &layout.schema_prefix));
    }
    if let Some(filepath) = layout.filepath_prefix.as_deref().filter(|p| !p.is_empty()) {
        prefixes.push(("filepath_prefix", filepath));
    }
    for (i, (first, first_value)) in prefixes.iter().enumerate() {
        for (second, second_value) in prefixes.iter().skip(i + 1) {
            let a = format!("{first_value}/");
            let b = format!("{second_value}/");
            if a.starts_with(&b) || b.starts_with(&a) {
                return Err(StoreSpecError::PrefixOverlap {
                    store: store.to_string(),
                    first,
                    first_value: first_value.to_string(),
                    second,
                    second_value: second_value.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Typed access to a store's attributes; errors name the attribute, never its value.
struct Attrs<'a> {
    store: &'a str,
    obj: &'a Map<String, Value>,
}

impl Attrs<'_> {
    fn wrong(&self, attr: &str, expected: &'static str) -> StoreSpecError {
        StoreSpecError::WrongType {
            store: self.store.to_string(),
            attr: attr.to_string(),
            expected,
        }
    }

    /// A string attribute; absent or `null` → `None`.
    fn string(&self, attr: &str) -> Result<Option<String>, StoreSpecError> {
        match self.obj.get(attr) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.wrong(attr, "a string")),
        }
    }

    /// A string attribute where an empty value means unset (Python truthiness).
    fn non_empty(&self, attr: &str) -> Result<Option<String>, StoreSpecError> {
        Ok(self.string(attr)?.filter(|text| !text.trim().is_empty()))
    }

    /// A secret attribute; empty counts as unset (DataJoint passes `value or None`).
    fn secret(&self, attr: &str) -> Result<Option<Secret>, StoreSpecError> {
        Ok(self.non_empty(attr)?.map(Secret::new))
    }

    /// `secure`: default `true`; only JSON booleans are accepted, since DataJoint tests it for
    /// Python truthiness (the string `"false"` would mean https there).
    fn secure(&self) -> Result<bool, StoreSpecError> {
        match self.obj.get("secure") {
            None => Ok(true),
            Some(Value::Bool(secure)) => Ok(*secure),
            Some(_) => Err(self.wrong("secure", "true or false")),
        }
    }

    /// `token_length`: default 8, clamped to 4–16 like DataJoint's `generate_token`.
    fn token_length(&self) -> Result<usize, StoreSpecError> {
        match self.obj.get("token_length") {
            None | Some(Value::Null) => Ok(LayoutSettings::default().token_length),
            Some(Value::Number(n)) => {
                if let Some(value) = n.as_i64() {
                    Ok(value.clamp(4, 16) as usize)
                } else if n.as_u64().is_some() {
                    Ok(16)
                } else {
                    Err(self.wrong("token_length", "an integer"))
                }
            }
            Some(_) => Err(self.wrong("token_length", "an integer")),
        }
    }

    /// The GCS `token`: a string (path, `google_default`, `anon`, …) or a service-account
    /// JSON object, which is kept as JSON text.
    fn gcs_token(&self) -> Result<Option<Secret>, StoreSpecError> {
        match self.obj.get("token") {
            Some(Value::Object(map)) => {
                Ok(Some(Secret::new(Value::Object(map.clone()).to_string())))
            }
            Some(Value::String(_)) | Some(Value::Null) | None => self.secret("token"),
            Some(_) => Err(self.wrong("token", "a string or a JSON object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: Value) -> Result<StoreSpec, StoreSpecError> {
        StoreSpec::from_json("x", &value, Origin::Env, Path::new("/work"))
    }

    #[test]
    fn malformed_endpoints_are_errors_not_panics() {
        for good in [
            "minio:9000",
            "127.0.0.1:9000",
            "https://s3.lab.org",
            "http://[::1]:9000",
            "s3.eu-west-1.amazonaws.com",
        ] {
            assert_eq!(check_endpoint(good, true), Ok(()), "{good}");
        }
        for bad in [
            "127.0.0.1:99999",
            ":5066",
            "h:1:2:3",
            "http://[::1",
            "host:0",
            "ftp://host",
            "a b:9000",
            "https://key:secret@host",
            "",
        ] {
            assert!(check_endpoint(bad, false).is_err(), "{bad}");
        }
        assert_eq!(
            without_userinfo("https://key:secret@host:9000"),
            "https://***@host:9000"
        );
    }

    #[test]
    fn endpoint_url_rule() {
        assert_eq!(endpoint_url("minio:9000", true), "https://minio:9000");
        assert_eq!(endpoint_url("minio:9000", false), "http://minio:9000");
        assert_eq!(
            endpoint_url("http://minio:9000/", true),
            "http://minio:9000"
        );
        assert_eq!(
            endpoint_url("https://s3.example.org", false),
            "https://s3.example.org"
        );
    }

    #[test]
    fn relative_file_location_joins_working_dir() -> Result<(), StoreSpecError> {
        let spec = parse(json!({"protocol": "file", "location": "data/store"}))?;
        assert_eq!(
            spec.backend,
            Backend::File {
                location: Path::new("/work/data/store").to_path_buf()
            }
        );
        let spec = parse(json!({"protocol": "FILE", "location": "/abs"}))?;
        assert_eq!(
            spec.backend,
            Backend::File {
                location: Path::new("/abs").to_path_buf()
            }
        );
        Ok(())
    }

    #[test]
    fn s3_location_and_prefixes_are_trimmed() -> Result<(), StoreSpecError> {
        let spec = parse(json!({
            "protocol": "s3", "endpoint": "m:9000", "bucket": "b", "location": "/lab/data/",
            "schema_prefix": "/_s/", "hash_prefix": "h/"
        }))?;
        match &spec.backend {
            Backend::S3 { location, .. } => assert_eq!(location, "lab/data"),
            other => panic!("not s3: {other:?}"),
        }
        assert_eq!(spec.layout.schema_prefix, "_s");
        assert_eq!(spec.layout.hash_prefix, "h");
        Ok(())
    }

    #[test]
    fn empty_schema_prefix_is_kept() -> Result<(), StoreSpecError> {
        let spec = parse(json!({"protocol": "file", "location": "/d", "schema_prefix": ""}))?;
        assert_eq!(spec.layout.schema_prefix, "");
        Ok(())
    }

    #[test]
    fn gcs_token_object_becomes_json_text() -> Result<(), StoreSpecError> {
        let spec = parse(json!({
            "protocol": "gcs", "bucket": "b", "location": "",
            "token": {"type": "service_account"}
        }))?;
        match &spec.backend {
            Backend::Gcs {
                token: Some(token), ..
            } => {
                assert_eq!(token.expose(), r#"{"type":"service_account"}"#)
            }
            other => panic!("no token: {other:?}"),
        }
        Ok(())
    }

    #[test]
    fn s3_url_forms() -> Result<(), ConfigError> {
        let spec = StoreSpec::from_s3_url("s3://my-bucket/some/prefix/")?;
        assert_eq!(spec.name, "s3://my-bucket/some/prefix/");
        assert_eq!(
            spec.backend,
            Backend::S3 {
                endpoint: None,
                bucket: "my-bucket".into(),
                location: "some/prefix".into(),
                access_key: None,
                secret_key: None,
                secure: true,
                region: None,
            }
        );
        let spec = StoreSpec::from_s3_url("S3://b")?;
        assert!(matches!(spec.backend, Backend::S3 { ref location, .. } if location.is_empty()));
        for bad in [
            "s3://",
            "s3:///x",
            "gs://b",
            "b",
            "s3://b c/x",
            "s3://b/x?y",
        ] {
            assert!(StoreSpec::from_s3_url(bad).is_err(), "{bad}");
        }
        Ok(())
    }
}
