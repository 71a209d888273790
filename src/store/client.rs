//! Builds an object-store client for a remote [`StoreSpec`] (S3, GCS, Azure): the one place
//! where secrets are handed over.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjPath;
use object_store::{ClientOptions, ObjectStore, RetryConfig};

use super::StoreError;
use super::retry::RetryPolicy;
use super::retry_watch::{RetryWatch, WatchingConnector};
use crate::config::{Backend, Secret, StoreSpec, endpoint_url};

/// A client, the key prefix of the store's `location` inside it, and a URL-like name for messages.
pub(crate) struct Client {
    /// For listings, heads and header reads: object_store retries within the budget.
    pub store: Arc<dyn ObjectStore>,
    /// For data reads: no retries of its own (npyscope's read loop retries, resumes and
    /// reports), no deadline on the whole request.
    pub data: Arc<dyn ObjectStore>,
    pub root: ObjPath,
    pub display_root: String,
    /// No credentials were found: requests are unsigned (anonymous). Says where npyscope
    /// looked, for the error when the server wants credentials.
    pub anonymous: Option<String>,
}

/// Where an S3 store's credentials are looked for, in order, for messages.
const S3_CREDENTIAL_PLACES: &str = "the store's access_key/secret_key in datajoint.json, \
     .secrets/stores.NAME.access_key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
     ~/.aws/credentials (AWS_PROFILE), web identity and container credentials";

/// Whether the environment offers credentials object_store's chain reads itself (keys, a web
/// identity token, a container credentials endpoint).
fn environment_has_s3_credentials() -> bool {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ]
    .iter()
    .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

/// Whether the user opted in to the cloud instance-metadata service (`169.254.169.254`) for
/// credentials: `AWS_EC2_METADATA_DISABLED=false`, as the AWS tools spell it. A desktop tool
/// does not ask that address by default.
fn instance_metadata_opted_in() -> bool {
    std::env::var("AWS_EC2_METADATA_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("false"))
}

/// No retries inside object_store: the data read loop retries itself.
fn no_retries() -> RetryConfig {
    RetryConfig {
        max_retries: 0,
        ..RetryConfig::default()
    }
}

/// Timeouts that measure progress, not duration: a connection within 5 s, then no deadline
/// for the whole request (a healthy slow download may take long), only one on silence.
fn client_options(policy: &RetryPolicy) -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(5))
        .with_timeout_disabled()
        .with_read_timeout(policy.stall)
}

/// The key prefix for a `location` inside a bucket or container.
pub(crate) fn location_prefix(spec: &StoreSpec, location: &str) -> Result<ObjPath, StoreError> {
    let trimmed = location.trim_matches('/');
    ObjPath::parse(trimmed).map_err(|e| StoreError::Open {
        store: spec.name.clone(),
        detail: format!("location \"{location}\" is not a valid key prefix: {e}"),
    })
}

/// Builds the clients for a remote `spec`, retrying and timing out under `policy`.
/// Builds the clients of `spec`; the metadata client reports its answers to `watch`.
pub(crate) fn build(
    spec: &StoreSpec,
    policy: &RetryPolicy,
    watch: &Arc<RetryWatch>,
) -> Result<Client, StoreError> {
    let open_err = |detail: String| StoreError::Open {
        store: spec.name.clone(),
        detail: super::redact(&detail, spec),
    };
    match &spec.backend {
        Backend::File { .. } => Err(open_err(
            "a file store is read from the file system, not through a client".to_string(),
        )),
        Backend::S3 {
            endpoint,
            bucket,
            location,
            access_key,
            secret_key,
            secure,
            region,
        } => {
            // from_env: when the config has no keys, AWS_ACCESS_KEY_ID & co. (and the
            // rest of object_store's credential chain) apply, as with boto3.
            let mut builder = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_client_options(client_options(policy));
            let mut shown_endpoint = format!("s3://{bucket}");
            let mut anonymous = None;
            if let Some(endpoint) = endpoint {
                let url = endpoint_url(endpoint, *secure);
                builder = builder
                    .with_endpoint(&url)
                    .with_allow_http(url.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
                if region.is_none() && std::env::var_os("AWS_REGION").is_none() {
                    // Custom servers (MinIO, …) accept any region; AWS's default is us-east-1.
                    builder = builder.with_region("us-east-1");
                }
                shown_endpoint = format!("{url}/{bucket}");
            }
            if endpoint.is_none() {
                // Endpoint from the environment (AWS_ENDPOINT_URL & co.): plain http only if
                // that is what it says, as the AWS CLI does.
                let env_endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
                    .iter()
                    .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()));
                if let Some(url) = env_endpoint {
                    builder = builder.with_allow_http(url.starts_with("http://"));
                    shown_endpoint = format!("{}/{bucket}", url.trim_end_matches('/'));
                }
            }
            if let Some(region) = region {
                builder = builder.with_region(region);
            }
            if let (Some(access), Some(secret)) = (access_key, secret_key) {
                builder = builder
                    .with_access_key_id(access.expose())
                    .with_secret_access_key(secret.expose());
            } else if let Some(shared) = shared_credentials() {
                builder = builder
                    .with_access_key_id(shared.access_key.expose())
                    .with_secret_access_key(shared.secret_key.expose());
                if let Some(token) = &shared.session_token {
                    builder = builder.with_token(token.expose());
                }
            } else if !environment_has_s3_credentials() && !instance_metadata_opted_in() {
                // Nothing anywhere: anonymous requests (a public bucket works), never the
                // instance-metadata service unless asked for.
                tracing::info!(
                    "store \"{}\": no credentials found (looked in {S3_CREDENTIAL_PLACES}); trying anonymous access",
                    spec.name
                );
                builder = builder.with_skip_signature(true);
                anonymous = Some(S3_CREDENTIAL_PLACES.to_string());
            }
            let data = builder
                .clone()
                .with_retry(no_retries())
                .build()
                .map_err(|e| open_err(format!("S3 client: {e}")))?;
            let store = builder
                .with_retry(policy.object_store_config())
                .with_http_connector(WatchingConnector::new(Arc::clone(watch)))
                .build()
                .map_err(|e| open_err(format!("S3 client: {e}")))?;
            Ok(Client {
                store: Arc::new(store),
                data: Arc::new(data),
                root: location_prefix(spec, location)?,
                display_root: join_display(&shown_endpoint, location),
                anonymous,
            })
        }
        Backend::Gcs {
            bucket,
            location,
            project: _,
            token,
        } => {
            let setup = super::gcs::setup(bucket, token.as_ref(), client_options(policy))
                .map_err(open_err)?;
            let builder = setup.builder;
            let data = builder
                .clone()
                .with_retry(no_retries())
                .build()
                .map_err(|e| open_err(format!("GCS client: {e}")))?;
            let store = builder
                .with_retry(policy.object_store_config())
                .with_http_connector(WatchingConnector::new(Arc::clone(watch)))
                .build()
                .map_err(|e| open_err(format!("GCS client: {e}")))?;
            Ok(Client {
                store: Arc::new(store),
                data: Arc::new(data),
                root: location_prefix(spec, location)?,
                display_root: join_display(&setup.shown, location),
                anonymous: setup.anonymous,
            })
        }
        Backend::Azure {
            container,
            location,
            account_name,
            account_key,
            connection_string,
        } => {
            let setup = super::azure::setup(
                container,
                account_name.as_deref(),
                account_key.as_ref(),
                connection_string.as_ref(),
                client_options(policy),
            )
            .map_err(open_err)?;
            let builder = setup.builder;
            let data = builder
                .clone()
                .with_retry(no_retries())
                .build()
                .map_err(|e| open_err(format!("Azure client: {e}")))?;
            let store = builder
                .with_retry(policy.object_store_config())
                .with_http_connector(WatchingConnector::new(Arc::clone(watch)))
                .build()
                .map_err(|e| open_err(format!("Azure client: {e}")))?;
            Ok(Client {
                store: Arc::new(store),
                data: Arc::new(data),
                root: location_prefix(spec, location)?,
                display_root: join_display(&setup.shown, location),
                anonymous: setup.anonymous,
            })
        }
    }
}

fn join_display(base: &str, location: &str) -> String {
    let location = location.trim_matches('/');
    if location.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{location}")
    }
}

/// Keys from the AWS shared credentials file, as boto3 and the AWS CLI read them.
struct SharedCredentials {
    access_key: Secret,
    secret_key: Secret,
    session_token: Option<Secret>,
}

/// The profile `AWS_PROFILE` (or `default`) of `AWS_SHARED_CREDENTIALS_FILE` (or
/// `~/.aws/credentials`), unless keys are in the environment, which win as in boto3.
fn shared_credentials() -> Option<SharedCredentials> {
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return None;
    }
    let path = match std::env::var_os("AWS_SHARED_CREDENTIALS_FILE") {
        Some(path) => std::path::PathBuf::from(path),
        None => directories::BaseDirs::new()?
            .home_dir()
            .join(".aws/credentials"),
    };
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".to_string());
    let text = std::fs::read_to_string(&path).ok()?;
    parse_shared_credentials(&text, &profile)
}

fn parse_shared_credentials(text: &str, profile: &str) -> Option<SharedCredentials> {
    let ini = ini::Ini::load_from_str(text)
        .map_err(|e| tracing::warn!("cannot read the AWS credentials file: {e}"))
        .ok()?;
    let section = ini.section(Some(profile))?;
    let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
    Some(SharedCredentials {
        access_key: Secret::new(get("aws_access_key_id")?),
        secret_key: Secret::new(get("aws_secret_access_key")?),
        session_token: get("aws_session_token").map(Secret::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_credentials_profiles() {
        let text = "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s3cr3t\n\n\
                    [lab]\naws_access_key_id=AKIALAB\naws_secret_access_key=labsecret\naws_session_token=tok\n";
        let default = parse_shared_credentials(text, "default").unwrap();
        assert_eq!(default.access_key.expose(), "AKIADEFAULT");
        assert_eq!(default.secret_key.expose(), "s3cr3t");
        assert!(default.session_token.is_none());
        let lab = parse_shared_credentials(text, "lab").unwrap();
        assert_eq!(lab.access_key.expose(), "AKIALAB");
        assert_eq!(lab.session_token.unwrap().expose(), "tok");
        assert!(parse_shared_credentials(text, "other").is_none());
        assert!(
            parse_shared_credentials("[default]\naws_access_key_id = x\n", "default").is_none()
        );
    }
}
