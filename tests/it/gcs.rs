//! GCS stores against fake-gcs-server on loopback: the store configured as DataJoint
//! configures it, the server found through `STORAGE_EMULATOR_HOST` (the binary) or a
//! service-account key naming it (in process); tokens gcsfs understands.

use npyscope::config::{Backend, Secret};
use npyscope::store::{Store, StoreError};

use crate::cloud::{self, Cloud};
use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcs_listing_matches_local_listing_and_reads_only_headers() {
    let cloud = Cloud::gcs(vec![("lab", cloud::fixture_objects("data"))]);
    cloud::listing_matches_local_and_reads_only_headers(&cloud, "lab").await;
}

#[test]
fn gcs_cli_ls_info_get_rows_agree_with_numpy_through_storage_emulator_host() {
    let cloud = Cloud::gcs(vec![("lab", cloud::fixture_objects("data"))]);
    cloud::cli_agrees_with_numpy(&cloud, "lab", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcs_rows_are_ranged_reads_and_the_cache_reuses_downloads() {
    let cloud = Cloud::gcs(vec![(
        "rec",
        vec![("numbered.npy".to_string(), cloud::numbered_npy())],
    )]);
    cloud::rows_are_ranged_reads_and_the_cache_reuses_downloads(&cloud, "rec").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcs_missing_bucket_is_a_clear_error() {
    let cloud = Cloud::gcs(vec![("present", Vec::new())]);
    cloud::missing_bucket_is_a_clear_error(&cloud, None).await;
}

#[test]
fn gcs_token_file_and_bad_tokens() {
    let fixture = std::fs::read(common::fixtures_dir().join("le_f4.npy")).unwrap();
    let cloud = Cloud::gcs(vec![("lab", vec![("a/le_f4.npy".to_string(), fixture)])]);
    let Cloud::Gcs(gcs) = &cloud else {
        unreachable!()
    };
    let project = common::project_dir();
    let dir = project.path();
    // A service-account key file as the token (the path, as DataJoint's token holds it).
    let key_file = dir.join("key.json");
    std::fs::write(&key_file, gcs.key_json().to_string()).unwrap();
    let config = serde_json::json!({"stores": {
        "keyed": {"protocol": "gcs", "bucket": "lab", "location": "a", "token": key_file},
        "missing": {"protocol": "gcs", "bucket": "lab", "location": "a", "token": dir.join("nowhere.json")},
        "browser": {"protocol": "gcs", "bucket": "lab", "location": "a", "token": "browser"},
    }});
    std::fs::write(dir.join("datajoint.json"), config.to_string()).unwrap();
    let out = common::npyscope_in(dir, &["ls", "--json", "keyed"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(all.contains("le_f4.npy"), "{all}");

    for (store, says) in [
        ("missing", "cannot read the file named by the store's token"),
        ("browser", "interactive login"),
    ] {
        let out = common::npyscope_in(dir, &["ls", store]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(err.contains(&format!("store \"{store}\"")), "{err}");
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn gcs_json_token_errors_hold_no_secret() {
    let private = "-----BEGIN PRIVATE KEY-----npyscope-secret-Qw7";
    let mut spec = common::file_spec("svc", std::path::Path::new("/"));
    spec.backend = Backend::Gcs {
        bucket: "lab".to_string(),
        location: String::new(),
        project: None,
        token: Some(Secret::new(format!(
            "{{\"type\": \"authorized_user\", \"private_key\": \"{private}\""
        ))),
    };
    let err = Store::open(spec.clone()).expect_err("broken JSON");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert!(!err.to_string().contains(private), "{err}");
    spec.backend = Backend::Gcs {
        bucket: "lab".to_string(),
        location: String::new(),
        project: None,
        token: Some(Secret::new(format!(
            "{{\"type\": \"authorized_user\", \"refresh_token\": \"{private}\"}}"
        ))),
    };
    let err = Store::open(spec).expect_err("inline user credentials");
    assert!(err.to_string().contains("authorized_user"), "{err}");
    assert!(!err.to_string().contains(private), "{err}");
    assert!(!format!("{err:?}").contains(private));
}
