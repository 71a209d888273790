//! The Azure Blob Storage client of an `azure` store, configured as DataJoint (through adlfs)
//! configures it: `container`, `account_name`, `account_key` and `connection_string` (with its
//! endpoint keys and a shared access signature), plus the usual `AZURE_STORAGE_*` variables.
//!
//! The managed-identity endpoint (`169.254.169.254`) is asked only when the user opted in
//! (`MSI_ENDPOINT`/`AZURE_MSI_ENDPOINT`, or `AZURE_CREDENTIAL_TYPE=managed_identity`);
//! with no credentials anywhere, requests are anonymous (a public container works).

use object_store::ClientOptions;
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};

use crate::config::Secret;

/// Where an Azure store's credentials are looked for, in order, for messages.
pub(crate) const AZURE_CREDENTIAL_PLACES: &str = "the store's connection_string, account_name \
     and account_key in datajoint.json, .secrets/stores.NAME.*, AZURE_STORAGE_CONNECTION_STRING, \
     AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_CLIENT_ID/SECRET/TENANT_ID";

/// What to do when an Azure server refuses access.
pub(crate) const AZURE_ADVICE: &str = "the store's account_key or connection_string (its \
     AccountKey or SharedAccessSignature) and the container's permissions";

/// Azurite's well-known development account and key (public, documented by Microsoft), used
/// for `UseDevelopmentStorage=true`.
const DEV_ACCOUNT: &str = "devstoreaccount1";
const DEV_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The parts of an Azure Storage connection string that reach Blob Storage.
#[derive(Default)]
pub(crate) struct ConnectionString {
    /// `AccountName`.
    pub account_name: Option<String>,
    /// `AccountKey`.
    pub account_key: Option<String>,
    /// `SharedAccessSignature`.
    pub sas: Option<String>,
    /// `BlobEndpoint`, or the endpoint `DefaultEndpointsProtocol`, `AccountName` and
    /// `EndpointSuffix` make, or Azurite's for `UseDevelopmentStorage=true`.
    pub blob_endpoint: Option<String>,
}

/// Parses a connection string as Azure's SDKs do: `Key=Value` pairs separated by `;`, keys
/// case-insensitive, values may hold `=`.
pub(crate) fn parse_connection_string(text: &str) -> ConnectionString {
    let mut parts = ConnectionString::default();
    let mut protocol = None;
    let mut suffix = None;
    let mut development = false;
    let mut proxy = None;
    for item in text.split(';') {
        let Some((key, value)) = item.split_once('=') else {
            continue;
        };
        let value = value.trim().to_string();
        if value.is_empty() {
            continue;
        }
        match key.trim().to_ascii_lowercase().as_str() {
            "accountname" => parts.account_name = Some(value),
            "accountkey" => parts.account_key = Some(value),
            "sharedaccesssignature" => parts.sas = Some(value),
            "blobendpoint" => parts.blob_endpoint = Some(value.trim_end_matches('/').to_string()),
            "defaultendpointsprotocol" => protocol = Some(value),
            "endpointsuffix" => suffix = Some(value),
            "usedevelopmentstorage" => development = value.eq_ignore_ascii_case("true"),
            "developmentstorageproxyuri" => proxy = Some(value),
            _ => {}
        }
    }
    if development {
        let base = proxy.unwrap_or_else(|| "http://127.0.0.1".to_string());
        let base = base.trim_end_matches('/');
        parts
            .account_name
            .get_or_insert_with(|| DEV_ACCOUNT.to_string());
        parts.account_key.get_or_insert_with(|| DEV_KEY.to_string());
        parts
            .blob_endpoint
            .get_or_insert_with(|| format!("{base}:10000/{DEV_ACCOUNT}"));
    }
    if parts.blob_endpoint.is_none()
        && let Some(account) = &parts.account_name
    {
        parts.blob_endpoint = Some(format!(
            "{}://{account}.blob.{}",
            protocol.as_deref().unwrap_or("https"),
            suffix.as_deref().unwrap_or("core.windows.net")
        ));
    }
    parts
}

/// The values inside a connection string that are secrets (its key and signature, and each
/// value of the signature's query), for redaction.
pub(crate) fn connection_string_secrets(text: &str) -> Vec<String> {
    let parts = parse_connection_string(text);
    let mut out: Vec<String> = parts.account_key.into_iter().collect();
    if let Some(sas) = parts.sas {
        out.extend(sas_values(&sas));
        out.push(sas);
    }
    out
}

/// The values of a SAS token's query (`sig=…` above all), for redaction.
pub(crate) fn sas_values(sas: &str) -> Vec<String> {
    sas.trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| *key == "sig")
        .flat_map(|(_, value)| {
            let decoded = percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned();
            [value.to_string(), decoded]
        })
        .collect()
}

/// A configured builder, the endpoint for messages, and whether requests are anonymous
/// because no credentials were found.
pub(crate) struct AzureSetup {
    /// The builder, ready for retry settings.
    pub builder: MicrosoftAzureBuilder,
    /// `az://container` or `ENDPOINT/container`.
    pub shown: String,
    /// Where npyscope looked for credentials, when it found none.
    pub anonymous: Option<String>,
}

/// Configures the client of `container` from the store's attributes (the connection string
/// first, as adlfs does) and the environment.
pub(crate) fn setup(
    container: &str,
    account_name: Option<&str>,
    account_key: Option<&Secret>,
    connection_string: Option<&Secret>,
    options: ClientOptions,
) -> Result<AzureSetup, String> {
    let mut builder = MicrosoftAzureBuilder::from_env().with_container_name(container);
    let env_connection = std::env::var("AZURE_STORAGE_CONNECTION_STRING")
        .ok()
        .filter(|v| !v.trim().is_empty());
    // As adlfs: the store's connection string, else (when the store names no account) the
    // environment's.
    let connection = match connection_string {
        Some(text) => Some(text.expose().to_string()),
        None if account_name.is_none() && account_key.is_none() => env_connection,
        None => None,
    };
    let mut endpoint = None;
    if let Some(text) = &connection {
        let parts = parse_connection_string(text);
        if parts.account_name.is_none()
            && parts.account_key.is_none()
            && parts.sas.is_none()
            && parts.blob_endpoint.is_none()
        {
            return Err(
                "the connection string holds none of AccountName, AccountKey, \
                 SharedAccessSignature, BlobEndpoint or UseDevelopmentStorage"
                    .to_string(),
            );
        }
        if let Some(name) = parts.account_name {
            builder = builder.with_account(name);
        }
        if let Some(key) = parts.account_key {
            builder = builder.with_access_key(key);
        }
        if let Some(sas) = parts.sas {
            builder = builder.with_config(AzureConfigKey::SasKey, sas);
        }
        endpoint = parts.blob_endpoint;
    }
    if connection_string.is_none() {
        if let Some(name) = account_name {
            builder = builder.with_account(name);
        }
        if let Some(key) = account_key {
            builder = builder.with_access_key(key.expose());
        }
    }
    if let Some(url) = &endpoint {
        if builder
            .get_config_value(&AzureConfigKey::AccountName)
            .is_none()
        {
            // A BlobEndpoint with a signature and no account: the account is the host's first
            // label (it only names the account in requests the signature already allows).
            builder = builder.with_account(account_from_endpoint(url));
        }
        builder = builder.with_endpoint(url.clone());
    }
    if builder
        .get_config_value(&AzureConfigKey::AccountName)
        .is_none()
    {
        return Err(
            "no storage account: set the store's account_name or connection_string \
             (or AZURE_STORAGE_ACCOUNT_NAME / AZURE_STORAGE_CONNECTION_STRING)"
                .to_string(),
        );
    }
    let has_credentials = [
        AzureConfigKey::AccessKey,
        AzureConfigKey::SasKey,
        AzureConfigKey::Token,
        AzureConfigKey::ClientSecret,
        AzureConfigKey::FederatedTokenFile,
    ]
    .iter()
    .any(|key| builder.get_config_value(key).is_some())
        || [AzureConfigKey::UseAzureCli, AzureConfigKey::UseEmulator]
            .iter()
            .any(|key| builder.get_config_value(key).is_some_and(|v| v == "true"));
    let managed_identity_opted_in = builder
        .get_config_value(&AzureConfigKey::MsiEndpoint)
        .is_some()
        || builder
            .get_config_value(&AzureConfigKey::CredentialType)
            .is_some_and(|v| v == "managed_identity");
    let mut anonymous = None;
    if !has_credentials && !managed_identity_opted_in {
        tracing::info!(
            "no Azure credentials found (looked in {AZURE_CREDENTIAL_PLACES}); trying anonymous access"
        );
        builder = builder.with_skip_signature(true);
        anonymous = Some(AZURE_CREDENTIAL_PLACES.to_string());
    }
    // The endpoint of the connection string, or AZURE_STORAGE_ENDPOINT's.
    let endpoint = builder.get_config_value(&AzureConfigKey::Endpoint);
    let shown = match &endpoint {
        Some(url) => format!("{}/{container}", url.trim_end_matches('/')),
        None => format!("az://{container}"),
    };
    let allow_http = endpoint
        .as_deref()
        .is_some_and(|u| u.starts_with("http://"));
    builder = builder
        .with_allow_http(allow_http)
        .with_client_options(options.with_allow_http(allow_http));
    Ok(AzureSetup {
        builder,
        shown,
        anonymous,
    })
}

/// `acct` of `https://acct.blob.core.windows.net`, or the last path segment of an emulator's
/// `http://127.0.0.1:10000/acct`.
fn account_from_endpoint(url: &str) -> String {
    let parsed = url::Url::parse(url).ok();
    let from_path = parsed.as_ref().and_then(|u| {
        u.path_segments()
            .and_then(|mut s| s.find(|p| !p.is_empty()).map(str::to_string))
    });
    let from_host = parsed.as_ref().and_then(|u| {
        u.host_str()
            .map(|h| h.split('.').next().unwrap_or(h).to_string())
    });
    from_path
        .or(from_host)
        .unwrap_or_else(|| "account".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_string_parts() {
        let c = parse_connection_string(
            "DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=a2V5==;BlobEndpoint=http://127.0.0.1:10000/dev/;",
        );
        assert_eq!(c.account_name.as_deref(), Some("dev"));
        assert_eq!(c.account_key.as_deref(), Some("a2V5=="));
        assert_eq!(
            c.blob_endpoint.as_deref(),
            Some("http://127.0.0.1:10000/dev")
        );
    }

    #[test]
    fn connection_string_endpoints() {
        let c = parse_connection_string(
            "DefaultEndpointsProtocol=https;AccountName=lab;AccountKey=k;EndpointSuffix=core.chinacloudapi.cn",
        );
        assert_eq!(
            c.blob_endpoint.as_deref(),
            Some("https://lab.blob.core.chinacloudapi.cn")
        );
        let c = parse_connection_string("UseDevelopmentStorage=true");
        assert_eq!(c.account_name.as_deref(), Some(DEV_ACCOUNT));
        assert_eq!(
            c.blob_endpoint.as_deref(),
            Some("http://127.0.0.1:10000/devstoreaccount1")
        );
        let c = parse_connection_string(
            "BlobEndpoint=https://lab.blob.core.windows.net;SharedAccessSignature=sv=2019-12-12&sig=abc%2Bdef",
        );
        assert_eq!(c.sas.as_deref(), Some("sv=2019-12-12&sig=abc%2Bdef"));
        assert!(c.account_key.is_none());
        assert_eq!(
            account_from_endpoint(c.blob_endpoint.as_deref().unwrap_or_default()),
            "lab"
        );
        let secrets = connection_string_secrets(
            "AccountName=a;AccountKey=KEY;SharedAccessSignature=sv=1&sig=abc%2Bdef",
        );
        assert!(secrets.contains(&"KEY".to_string()));
        assert!(secrets.contains(&"abc%2Bdef".to_string()));
        assert!(secrets.contains(&"abc+def".to_string()));
    }
}
