//! The Google Cloud Storage client of a `gcs` store, configured as DataJoint (through gcsfs)
//! configures it: `bucket`, `token` and `project`, plus `STORAGE_EMULATOR_HOST` for emulators
//! and the usual application-default credentials.
//!
//! `token` as gcsfs reads it: a path to a service-account (or `gcloud auth
//! application-default login`) JSON file, the JSON itself, `"anon"`, `"google_default"` or
//! `"cloud"`. With no token, application-default credentials are used when there are any
//! (`GOOGLE_APPLICATION_CREDENTIALS`, `~/.config/gcloud/application_default_credentials.json`);
//! the GCE metadata server is asked only when the user opted in (`token: "cloud"` or
//! `GCE_METADATA_HOST` set), otherwise requests are anonymous.

use object_store::ClientOptions;
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};

use crate::config::Secret;

/// Where a GCS store's credentials are looked for, in order, for messages.
pub(crate) const GCS_CREDENTIAL_PLACES: &str = "the store's token in datajoint.json, \
     .secrets/stores.NAME.token, GOOGLE_APPLICATION_CREDENTIALS, \
     ~/.config/gcloud/application_default_credentials.json";

/// What to do when a GCS server refuses access.
pub(crate) const GCS_ADVICE: &str = "the store's token (a service-account JSON file, \
     \"google_default\" or \"anon\") and the bucket's permissions";

/// A configured builder, the endpoint for messages, and whether requests are anonymous
/// because no credentials were found.
pub(crate) struct GcsSetup {
    /// The builder, ready for retry settings.
    pub builder: GoogleCloudStorageBuilder,
    /// `gs://bucket` or the emulator's `http://host:port/bucket`.
    pub shown: String,
    /// Where npyscope looked for credentials, when it found none.
    pub anonymous: Option<String>,
}

/// The emulator's URL from `STORAGE_EMULATOR_HOST`, as Google's libraries and gcsfs read it
/// (`host:port` means `http://host:port`).
pub(crate) fn emulator_url() -> Option<String> {
    let host = std::env::var("STORAGE_EMULATOR_HOST").ok()?;
    let host = host.trim().trim_end_matches('/');
    if host.is_empty() {
        None
    } else if host.starts_with("http://") || host.starts_with("https://") {
        Some(host.to_string())
    } else {
        Some(format!("http://{host}"))
    }
}

/// Whether the user opted in to the GCE metadata server for credentials.
fn metadata_opted_in() -> bool {
    std::env::var_os("GCE_METADATA_HOST").is_some_and(|v| !v.is_empty())
}

/// Whether the well-known application-default credentials file of `gcloud` exists.
fn gcloud_adc_file_exists() -> bool {
    directories::BaseDirs::new().is_some_and(|dirs| {
        dirs.home_dir()
            .join(".config/gcloud/application_default_credentials.json")
            .is_file()
    })
}

/// Configures the client of bucket `bucket` with `token` (gcsfs's meanings). Errors say what
/// is wrong with the token without showing it.
pub(crate) fn setup(
    bucket: &str,
    token: Option<&Secret>,
    options: ClientOptions,
) -> Result<GcsSetup, String> {
    let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
    let mut anonymous = None;
    if let Some(url) = emulator_url() {
        // An emulator does not check credentials; Google's libraries send none to it, and
        // npyscope asks no token server on its behalf.
        let shown = format!("{url}/{bucket}");
        builder = builder
            .with_base_url(&url)
            .with_skip_signature(true)
            .with_client_options(options.with_allow_http(url.starts_with("http://")));
        return Ok(GcsSetup {
            builder,
            shown,
            anonymous,
        });
    }
    let value = token.map(|t| t.expose().trim()).filter(|v| !v.is_empty());
    // A key file may name its own server (`gcs_base_url`, as object_store's tests and
    // emulators use); plain http only if that is what it says.
    let mut base_url = None;
    match value {
        Some("anon") => builder = builder.with_skip_signature(true),
        Some("cloud") => {}
        Some(v @ ("browser" | "cache")) => {
            return Err(format!(
                "token \"{v}\" is gcsfs's interactive login, which npyscope does not do; run \
                 `gcloud auth application-default login` and set token to \"google_default\""
            ));
        }
        Some(json) if json.starts_with('{') => {
            let key = parse_json_token(json)?;
            base_url = key_base_url(&key);
            builder = builder.with_service_account_key(json);
        }
        Some("google_default") | None => {
            let has_credentials = [
                GoogleConfigKey::ServiceAccount,
                GoogleConfigKey::ServiceAccountKey,
                GoogleConfigKey::ApplicationCredentials,
            ]
            .into_iter()
            .any(|key| builder.get_config_value(&key).is_some())
                || gcloud_adc_file_exists();
            if !has_credentials && !metadata_opted_in() {
                tracing::info!(
                    "no GCS credentials found (looked in {GCS_CREDENTIAL_PLACES}); trying anonymous access"
                );
                builder = builder.with_skip_signature(true);
                anonymous = Some(GCS_CREDENTIAL_PLACES.to_string());
            }
        }
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "cannot read the file named by the store's token ({}): give the path of a \
                     service-account JSON file, or \"google_default\" or \"anon\"",
                    e.kind()
                )
            })?;
            let key: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
                "the file named by the store's token is not JSON credentials".to_string()
            })?;
            base_url = key_base_url(&key);
            builder = match key.get("type").and_then(|t| t.as_str()) {
                Some("authorized_user") => builder.with_application_credentials(path),
                _ => builder.with_service_account_path(path),
            };
        }
    }
    let allow_http = base_url
        .as_deref()
        .is_some_and(|u| u.starts_with("http://"));
    let shown = match &base_url {
        Some(url) => format!("{}/{bucket}", url.trim_end_matches('/')),
        None => format!("gs://{bucket}"),
    };
    builder = builder.with_client_options(options.with_allow_http(allow_http));
    Ok(GcsSetup {
        builder,
        shown,
        anonymous,
    })
}

/// The server a service-account key names (`gcs_base_url`), if any.
fn key_base_url(key: &serde_json::Value) -> Option<String> {
    key.get("gcs_base_url")
        .and_then(|u| u.as_str())
        .filter(|u| !u.is_empty())
        .map(str::to_string)
}

/// A token given as JSON: a service-account key (what a JSON object in `datajoint.json` holds).
fn parse_json_token(json: &str) -> Result<serde_json::Value, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|_| {
        "the store's token starts with '{' but is not valid JSON; give a service-account key \
         or the path of its file"
            .to_string()
    })?;
    match value.get("type").and_then(|t| t.as_str()) {
        Some("service_account") | None => Ok(value),
        Some(other) => Err(format!(
            "the store's token is JSON credentials of type \"{other}\"; give the path of that \
             file instead (npyscope reads service-account keys inline, other credentials from \
             their file)"
        )),
    }
}
