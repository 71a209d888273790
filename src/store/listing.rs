//! Listing a store: one level (folders and listed objects, like `ls`) or every listed object
//! (`.npy` files, `_hash` objects) below a prefix. Listings carry what the store says of each object; no object is read.

use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjPath;
use object_store::{ObjectMeta, ObjectStoreExt};

use super::object::{Level, ObjectInfo, is_listed};
use super::{ErrorContext, Source, Store, StoreError, local};

/// The listing entry of a remote object below `root`.
fn remote_info(root: &ObjPath, meta: ObjectMeta) -> ObjectInfo {
    ObjectInfo {
        path: Store::relative(root, &meta.location),
        size: meta.size,
        last_modified: meta.last_modified,
        e_tag: meta.e_tag,
    }
}

impl Store {
    /// Lists one level below `prefix` (store-relative; empty for the top).
    pub async fn browse(&self, prefix: &str) -> Result<Level, StoreError> {
        match &self.source {
            Source::Local { root } => {
                let dir = self.file(root, prefix)?;
                let relative = prefix.trim_matches('/').to_string();
                let hash = self.spec().layout.hash_prefix.clone();
                tokio::task::spawn_blocking(move || local::browse(&dir, &relative, &hash))
                    .await
                    .map_err(std::io::Error::other)
                    .and_then(|r| r)
                    .map_err(|e| self.context.io_error("list", prefix, e))
            }
            Source::Remote { client, root, .. } => {
                let key = self.key(root, prefix)?;
                let listed = client
                    .list_with_delimiter(Some(&key))
                    .await
                    .map_err(|e| self.context.remote_error("list", prefix, e))?;
                let mut level = Level {
                    folders: listed
                        .common_prefixes
                        .iter()
                        .map(|p| Self::relative(root, p))
                        .collect(),
                    ..Level::default()
                };
                for meta in listed.objects {
                    let info = remote_info(root, meta);
                    if is_listed(&info.path, &self.spec().layout.hash_prefix) {
                        level.objects.push(info);
                    } else {
                        level.other_files += 1;
                    }
                }
                level.folders.sort();
                level.objects.sort_by(|a, b| a.path.cmp(&b.path));
                Ok(level)
            }
        }
    }

    /// Every `.npy` object below `prefix`, in path order, as the listing arrives (page by page
    /// from a remote store), so header reads can start before the listing ends.
    pub fn walk_stream(&self, prefix: &str) -> BoxStream<'static, Result<ObjectInfo, StoreError>> {
        match &self.source {
            Source::Local { root } => {
                let dir = self.file(root, prefix);
                let relative = prefix.trim_matches('/').to_string();
                let context = Arc::clone(&self.context);
                let hash = self.spec().layout.hash_prefix.clone();
                futures::stream::once(async move {
                    let dir = dir?;
                    let shown = relative.clone();
                    tokio::task::spawn_blocking(move || local::walk(&dir, &relative, &hash))
                        .await
                        .map_err(std::io::Error::other)
                        .and_then(|r| r)
                        .map_err(|err| context.io_error("list", &shown, err))
                })
                .map_ok(|objects| futures::stream::iter(objects.into_iter().map(Ok)))
                .try_flatten()
                .boxed()
            }
            Source::Remote { client, root, .. } => {
                let key = match self.key(root, prefix) {
                    Ok(key) => key,
                    Err(err) => return futures::stream::once(async { Err(err) }).boxed(),
                };
                let root = root.clone();
                let context = Arc::clone(&self.context);
                let shown = prefix.trim_matches('/').to_string();
                let hash = self.spec().layout.hash_prefix.clone();
                client
                    .list(Some(&key))
                    .map_ok(move |meta| remote_info(&root, meta))
                    .try_filter(move |info| std::future::ready(is_listed(&info.path, &hash)))
                    .map_err(move |e| context.remote_error("list", &shown, e))
                    .boxed()
            }
        }
    }

    /// Every `.npy` object below `prefix`, sorted by path. A prefix that names one object
    /// lists that object; a prefix under which nothing is stored is an error.
    pub async fn walk(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StoreError> {
        if let Some(single) = self.single_object(prefix).await? {
            return Ok(vec![single]);
        }
        let objects: Vec<ObjectInfo> = self.walk_stream(prefix).try_collect().await?;
        if objects.is_empty() && !prefix.is_empty() {
            self.ensure_prefix_exists(prefix).await?;
        }
        Ok(objects)
    }

    /// The object `prefix` names, when it names a listed object (a `.npy`, a `_hash` object)
    /// rather than a folder.
    pub async fn single_object(&self, prefix: &str) -> Result<Option<ObjectInfo>, StoreError> {
        let listed = is_listed(prefix.trim_matches('/'), &self.spec().layout.hash_prefix);
        match &self.source {
            Source::Local { root } => {
                let file = self.file(root, prefix)?;
                if listed && file.is_file() {
                    return self.head(prefix).await.map(Some);
                }
                Ok(None)
            }
            Source::Remote { .. } if listed => match self.head(prefix).await {
                Ok(info) => Ok(Some(info)),
                Err(StoreError::NotFound { .. }) => Ok(None),
                Err(err) => Err(err),
            },
            Source::Remote { .. } => Ok(None),
        }
    }

    /// What the store says of one object, without reading it.
    pub async fn head(&self, path: &str) -> Result<ObjectInfo, StoreError> {
        match &self.source {
            Source::Local { root } => {
                let file = self.file(root, path)?;
                let context = self.context.clone();
                let asked = path.to_string();
                tokio::task::spawn_blocking(move || local_head(&context, &file, &asked))
                    .await
                    .map_err(|e| {
                        self.context
                            .io_error("head", path, std::io::Error::other(e))
                    })?
            }
            Source::Remote { client, root, .. } => {
                let key = self.key(root, path)?;
                let meta = client
                    .head(&key)
                    .await
                    .map_err(|e| self.context.remote_error("head", path, e))?;
                Ok(remote_info(root, meta))
            }
        }
    }

    /// An error unless something (a folder, an object) is stored under `prefix`.
    pub async fn ensure_prefix_exists(&self, prefix: &str) -> Result<(), StoreError> {
        let level = self.browse(prefix).await?;
        if level.is_empty() {
            return Err(StoreError::NotFound {
                store: self.name().to_string(),
                what: self.context.describe(prefix),
                hint: "; nothing is stored under this prefix".to_string(),
            });
        }
        Ok(())
    }
}

/// What a local store says of its file `file` (the object `path`), blocking: [`Store::head`]'s
/// answer, also given by [`Store::head_and_header`].
pub(super) fn local_head(
    context: &ErrorContext,
    file: &std::path::Path,
    path: &str,
) -> Result<ObjectInfo, StoreError> {
    let meta = std::fs::metadata(file).map_err(|e| context.io_error("head", path, e))?;
    if !meta.is_file() {
        return Err(context.invalid_path(path, "this is a folder, not a .npy file"));
    }
    Ok(local::object_info(
        path.trim_matches('/').to_string(),
        &meta,
    ))
}
