//! Azure stores against Azurite on loopback, configured as DataJoint configures them: a
//! connection string (account key or shared access signature, `BlobEndpoint`), or
//! `account_name` and `account_key`, and the `AZURE_STORAGE_*` environment.

use npyscope::config::{Backend, Secret};
use npyscope::store::{Store, StoreError};

use crate::cloud::{self, Cloud};
use crate::cloud_emulators::{AZURITE_ACCOUNT, AZURITE_KEY};
use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_listing_matches_local_listing_and_reads_only_headers() {
    let cloud = Cloud::azure(vec![("lab", cloud::fixture_objects("data"))]);
    cloud::listing_matches_local_and_reads_only_headers(&cloud, "lab").await;
}

#[test]
fn azure_cli_ls_info_get_rows_agree_with_numpy() {
    let cloud = Cloud::azure(vec![("lab", cloud::fixture_objects("data"))]);
    cloud::cli_agrees_with_numpy(&cloud, "lab", Some(AZURITE_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_rows_are_ranged_reads_and_the_cache_reuses_downloads() {
    let cloud = Cloud::azure(vec![(
        "rec",
        vec![("numbered.npy".to_string(), cloud::numbered_npy())],
    )]);
    cloud::rows_are_ranged_reads_and_the_cache_reuses_downloads(&cloud, "rec").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_missing_container_is_a_clear_error() {
    let cloud = Cloud::azure(vec![("present", Vec::new())]);
    cloud::missing_bucket_is_a_clear_error(&cloud, Some(AZURITE_KEY)).await;
}

/// A key of the right shape that is not the account's.
const WRONG_KEY: &str = "d3JvbmctbnB5c2NvcGUta2V5LTdmM2EtOWIyYy13cm9uZy1ucHlzY29wZS1rZXk=";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_wrong_key_says_access_denied_without_the_secret() {
    let fixture = std::fs::read(common::fixtures_dir().join("le_f4.npy")).unwrap();
    let cloud = Cloud::azure(vec![("lab", vec![("a.npy".to_string(), fixture)])]);
    let Cloud::Azure(azurite) = &cloud else {
        unreachable!()
    };
    let mut spec = cloud.spec("locked", "lab", "");
    spec.backend = Backend::Azure {
        container: "lab".to_string(),
        location: String::new(),
        account_name: None,
        account_key: None,
        connection_string: Some(Secret::new(
            azurite.connection_string().replace(AZURITE_KEY, WRONG_KEY),
        )),
    };
    let store = Store::open(spec).expect("open");
    let err = store.walk("").await.expect_err("wrong key");
    let message = err.to_string();
    assert!(matches!(err, StoreError::AccessDenied { .. }), "{message}");
    assert!(message.contains("access denied"), "{message}");
    assert!(message.contains("\"locked\""), "{message}");
    assert!(
        message.contains("account_key or connection_string"),
        "{message}"
    );
    assert!(!message.contains(WRONG_KEY), "{message}");
    assert!(!format!("{err:?}").contains(WRONG_KEY));
}

#[test]
fn azure_sas_token_account_key_and_environment_forms() {
    let fixture = std::fs::read(common::fixtures_dir().join("le_f4.npy")).unwrap();
    let cloud = Cloud::azure(vec![("lab", vec![("a/le_f4.npy".to_string(), fixture)])]);
    let Cloud::Azure(azurite) = &cloud else {
        unreachable!()
    };
    let sas = azurite.sas_token("rl");
    let signature = sas.split("sig=").nth(1).unwrap_or_default().to_string();
    let project = common::project_dir();
    let dir = project.path();
    let config = serde_json::json!({"stores": {
        // A shared access signature and the endpoint, no account key (as the portal gives).
        "sas": {"protocol": "azure", "container": "lab", "location": "a",
                "connection_string": format!("BlobEndpoint={};SharedAccessSignature={sas}", azurite.blob_endpoint())},
        // account_name and account_key; the endpoint from AZURE_STORAGE_ENDPOINT.
        "keyed": {"protocol": "azure", "container": "lab", "location": "a",
                  "account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY},
        // Nothing but the container: everything from AZURE_STORAGE_CONNECTION_STRING.
        "env": {"protocol": "azure", "container": "lab", "location": "a"},
        // A signature that does not allow listing.
        "readonly": {"protocol": "azure", "container": "lab", "location": "a",
                "connection_string": format!("BlobEndpoint={};SharedAccessSignature={}", azurite.blob_endpoint(), azurite.sas_token("r"))},
    }});
    std::fs::write(dir.join("datajoint.json"), config.to_string()).unwrap();
    let run = |store: &str, env: Option<(&str, String)>| {
        let mut cmd = common::npyscope_in(dir, &["ls", "--json", store]);
        if let Some((var, value)) = env {
            cmd.env(var, value);
        }
        let out = cmd.output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), all)
    };
    let (ok, all) = run("sas", None);
    assert!(ok && all.contains("le_f4.npy"), "{all}");
    let (ok, all) = run(
        "env",
        Some((
            "AZURE_STORAGE_CONNECTION_STRING",
            azurite.connection_string(),
        )),
    );
    assert!(ok && all.contains("le_f4.npy"), "{all}");
    let (ok, all) = run(
        "keyed",
        Some(("AZURE_STORAGE_ENDPOINT", azurite.blob_endpoint())),
    );
    assert!(ok && all.contains("le_f4.npy"), "{all}");
    let (ok, all) = run("readonly", None);
    assert!(!ok, "{all}");
    assert!(all.contains("store \"readonly\""), "{all}");
    assert!(
        !all.contains(&signature) && !all.contains(AZURITE_KEY),
        "{all}"
    );
}
