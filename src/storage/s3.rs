//! The S3 backend: AWS S3 and S3-compatible stores through `object_store`.
//!
//! `s3://bucket/prefix` URLs, an optional custom endpoint, path-style
//! addressing by default (so bucket names with periods work over TLS and
//! S3-compatible servers need no DNS tricks), credentials from crashkit's
//! secret keys, the `AWS_*` environment or the provider chain, and retries
//! with exponential backoff on throttling and server errors.
//!
//! A staged object ([`ObjectStore::stage`]) under [`PART_BYTES`] is put in
//! one request at commit; a larger one streams as a multipart upload to
//! `.tmp-uploads/<uuid>` (outside `v1/`, so crash listings never see it),
//! completed, copied by the server to its key and deleted at commit, and
//! aborted when dropped uncommitted. A collector killed mid-upload leaves an
//! incomplete multipart upload, one killed between copy and delete a
//! staged object: a bucket lifecycle rule for `.tmp-uploads/` (expire after
//! a day, abort incomplete multipart uploads after a day) clears both.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey, AwsAuthorizer};
use object_store::path::Path;
use object_store::{BackoffConfig, MultipartUpload, ObjectStore as _, PutPayload, RetryConfig};

use super::staged::{Chunks, StagedObject};
use super::{ObjectStore, Result, StorageError};
use crate::config::StorageSettings;

/// Objects in an S3 bucket, under an optional prefix.
#[derive(Debug)]
pub struct S3Store {
    client: AmazonS3,
    bucket: String,
    prefix: String,
    /// The endpoint path-style requests go to (`None`: virtual-hosted
    /// addressing, where crashkit makes no request of its own).
    endpoint: Option<String>,
    region: String,
    policy: crate::retry::Policy,
    /// For the one request object_store does not make: a copy between buckets.
    http: std::sync::OnceLock<reqwest::Client>,
}

/// A copy made by the server, between two buckets of one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerCopy {
    /// The two stores are not on one endpoint (or not path-style): copy
    /// by reading and writing.
    NotPossible,
    /// Copied; the MD5 the server reports of the copy, if any.
    Copied(Option<[u8; 16]>),
}

/// Splits `s3://bucket/some/prefix` into the bucket and the prefix (no slashes at its ends).
fn parse_url(url: &str) -> Result<(String, String)> {
    let invalid = |message: &str| StorageError::InvalidUrl {
        url: url.to_owned(),
        message: message.to_owned(),
    };
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| invalid("expected s3://bucket/prefix"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !bucket.starts_with(['.', '-'])
        && !bucket.ends_with(['.', '-'])
        && !bucket.contains("..");
    if !valid_bucket {
        return Err(invalid(
            "bucket names are 3 to 63 characters of a-z, 0-9, '.' and '-'",
        ));
    }
    let prefix = prefix.trim_matches('/');
    if prefix.split('/').any(|seg| seg == "." || seg == "..") || prefix.contains("//") {
        return Err(invalid(
            "the prefix may not contain empty, '.' or '..' segments",
        ));
    }
    Ok((bucket.to_owned(), prefix.to_owned()))
}

impl S3Store {
    /// Connects to the bucket of `url` with the S3 options of `settings`.
    /// Nothing is sent until the first request.
    pub fn open(url: &str, settings: &StorageSettings) -> Result<S3Store> {
        let (bucket, prefix) = parse_url(url)?;
        // crashkit's one retry policy, carried out by object_store's client:
        // only it sees the HTTP status and connection errors behind a failure.
        let policy = crate::retry::Policy {
            attempts: settings.retries.saturating_add(1),
            ..crate::retry::Policy::with_deadline(Duration::from_secs(settings.retry_timeout_secs))
        };
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: policy.base_delay,
                max_backoff: policy.max_delay,
                base: 2.0,
            },
            max_retries: policy.attempts.saturating_sub(1) as usize,
            retry_timeout: policy.deadline,
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket)
            .with_virtual_hosted_style_request(!settings.s3_path_style)
            .with_retry(retry);
        if let Some(region) = &settings.s3_region {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = &settings.s3_endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(key) = &settings.s3_access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &settings.s3_secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(token) = &settings.s3_session_token {
            builder = builder.with_token(token);
        }
        let region = builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .unwrap_or_else(|| "us-east-1".to_owned());
        let endpoint = settings.s3_path_style.then(|| {
            builder
                .get_config_value(&AmazonS3ConfigKey::Endpoint)
                .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"))
                .trim_end_matches('/')
                .to_owned()
        });
        let client = builder.build().map_err(|e| StorageError::InvalidUrl {
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        Ok(S3Store {
            client,
            bucket,
            prefix,
            endpoint,
            region,
            policy,
            http: std::sync::OnceLock::new(),
        })
    }

    /// Whether `other` is on this store's endpoint, so the server can copy
    /// between the two (path-style addressing, the same region).
    pub fn same_endpoint(&self, other: &S3Store) -> bool {
        self.endpoint.is_some() && self.endpoint == other.endpoint && self.region == other.region
    }

    /// Copies `from` of `source` to `to` here with one CopyObject request,
    /// the bytes staying on the server, when both stores are on one
    /// endpoint (object_store copies within one bucket only). Retried
    /// with the storage retry policy.
    pub async fn copy_from(&self, source: &S3Store, from: &str, to: &str) -> Result<ServerCopy> {
        let Some(endpoint) = self
            .endpoint
            .as_ref()
            .filter(|_| self.same_endpoint(source))
        else {
            return Ok(ServerCopy::NotPossible);
        };
        let credentials = self
            .client
            .credentials()
            .get_credential()
            .await
            .map_err(|e| remote("copy", to, e))?;
        let encode = |p: &Path| -> String {
            p.as_ref()
                .split('/')
                .map(percent_encode)
                .collect::<Vec<_>>()
                .join("/")
        };
        let url = format!("{endpoint}/{}/{}", self.bucket, encode(&self.path(to)));
        let copy_source = format!("/{}/{}", source.bucket, encode(&source.path(from)));
        let http = self.http.get_or_init(reqwest::Client::new);
        let result = crate::retry::run(self.policy, || {
            let (url, copy_source, credentials) =
                (url.clone(), copy_source.clone(), credentials.clone());
            async move {
                let fail = |status: Option<u16>, message: String| {
                    let error = object_store::Error::Generic {
                        store: "S3",
                        source: message.into(),
                    };
                    match status {
                        Some(404) => crate::retry::Verdict::Fail(StorageError::NotFound {
                            key: from.to_owned(),
                        }),
                        Some(s) if s != 429 && (400..500).contains(&s) => {
                            crate::retry::Verdict::Fail(remote(
                                "copy",
                                to,
                                object_store::Error::PermissionDenied {
                                    path: to.to_owned(),
                                    source: error.to_string().into(),
                                },
                            ))
                        }
                        _ => crate::retry::Verdict::Retry(remote("copy", to, error), None),
                    }
                };
                let mut request = object_store::client::HttpRequest::new(
                    object_store::client::HttpRequestBody::from(Bytes::new()),
                );
                *request.method_mut() = http::Method::PUT;
                *request.uri_mut() = url
                    .parse()
                    .map_err(|e| fail(Some(400), format!("copy URL {url}: {e}")))?;
                request.headers_mut().insert(
                    "x-amz-copy-source",
                    http::HeaderValue::from_str(&copy_source)
                        .map_err(|e| fail(Some(400), format!("copy source {copy_source}: {e}")))?,
                );
                AwsAuthorizer::new(&credentials, "s3", &self.region).authorize(&mut request, None);
                let mut send = http.put(&url).timeout(Duration::from_secs(60));
                for (name, value) in request.headers() {
                    send = send.header(name, value);
                }
                let response = send.send().await.map_err(|e| fail(None, e.to_string()))?;
                let status = response.status().as_u16();
                let body = response
                    .text()
                    .await
                    .map_err(|e| fail(None, e.to_string()))?;
                // S3 can answer 200 with an error in the body.
                if status != 200 || body.contains("<Error>") {
                    return Err(fail(
                        Some(if status == 200 { 500 } else { status }),
                        format!(
                            "CopyObject: HTTP {status}: {}",
                            body.chars().take(300).collect::<String>()
                        ),
                    ));
                }
                let etag = body
                    .split("<ETag>")
                    .nth(1)
                    .and_then(|rest| rest.split("</ETag>").next())
                    .map(|e| e.replace("&quot;", "\""));
                Ok(etag.as_deref().and_then(etag_md5))
            }
        })
        .await?;
        Ok(ServerCopy::Copied(result))
    }

    fn path(&self, key: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        }
    }

    fn key_of(&self, path: &Path) -> String {
        let full = path.as_ref();
        if self.prefix.is_empty() {
            full.to_owned()
        } else {
            full.strip_prefix(&self.prefix)
                .and_then(|k| k.strip_prefix('/'))
                .unwrap_or(full)
                .to_owned()
        }
    }
}

/// A path segment as S3 wants it in a URL: unreserved characters as they
/// are, everything else %-encoded.
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The MD5 an ETag is, if it is one: 32 hex digits, quoted or not (an
/// object uploaded in parts has `-<parts>` after them and is no MD5).
fn etag_md5(etag: &str) -> Option<[u8; 16]> {
    let hex_digits = etag.trim().trim_matches('"');
    let bytes = hex::decode(hex_digits).ok()?;
    bytes.try_into().ok()
}

fn remote(op: &'static str, key: &str, e: object_store::Error) -> StorageError {
    match e {
        object_store::Error::NotFound { .. } => StorageError::NotFound {
            key: key.to_owned(),
        },
        other => StorageError::Remote {
            op,
            key: key.to_owned(),
            source: Box::new(other),
        },
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, data: Bytes) -> Result<()> {
        self.put_md5(key, data).await.map(|_| ())
    }

    async fn put_md5(&self, key: &str, data: Bytes) -> Result<Option<[u8; 16]>> {
        self.client
            .put(&self.path(key), PutPayload::from(data))
            .await
            .map(|r| r.e_tag.as_deref().and_then(etag_md5))
            .map_err(|e| remote("put", key, e))
    }

    async fn get(&self, key: &str) -> Result<Bytes> {
        let result = self
            .client
            .get(&self.path(key))
            .await
            .map_err(|e| remote("get", key, e))?;
        result.bytes().await.map_err(|e| remote("get", key, e))
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        match self.client.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(remote("head", key, e)),
        }
    }

    async fn head(&self, key: &str) -> Result<Option<super::ObjectInfo>> {
        match self.client.head(&self.path(key)).await {
            Ok(meta) => Ok(Some(super::ObjectInfo {
                size: meta.size,
                md5: meta.e_tag.as_deref().and_then(etag_md5),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(remote("head", key, e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let dir = self.path(prefix.trim_end_matches('/'));
        let metas: Vec<_> = self
            .client
            .list(Some(&dir))
            .try_collect()
            .await
            .map_err(|e| remote("list", prefix, e))?;
        let mut keys: Vec<String> = metas
            .iter()
            .map(|m| self.key_of(&m.location))
            .filter(|k| k.starts_with(prefix))
            .collect();
        keys.sort();
        Ok(keys)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        match self.client.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(remote("delete", key, e)),
        }
    }

    async fn top_level(&self) -> Result<Vec<String>> {
        let location = self.location();
        let prefix = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        let listing = self
            .client
            .list_with_delimiter(prefix.as_ref())
            .await
            .map_err(|e| remote("list", &location, e))?;
        let mut names: Vec<String> = listing
            .common_prefixes
            .iter()
            .map(|p| format!("{}/", self.key_of(p)))
            .chain(listing.objects.iter().map(|m| self.key_of(&m.location)))
            .collect();
        names.sort();
        Ok(names)
    }

    fn as_s3(&self) -> Option<&S3Store> {
        Some(self)
    }

    fn stage(self: Arc<Self>, _dir: &str) -> Box<dyn StagedObject> {
        Box::new(S3Staged {
            store: self,
            chunks: Chunks::default(),
            upload: None,
        })
    }

    fn location(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_single_part_etags_are_md5s() {
        let md5 = etag_md5("\"9e107d9d372bb6826bd81d3542a419d6\"").unwrap();
        assert_eq!(hex::encode(md5), "9e107d9d372bb6826bd81d3542a419d6");
        assert!(etag_md5("\"9e107d9d372bb6826bd81d3542a419d6-3\"").is_none());
        assert!(etag_md5("W/\"abc\"").is_none());
    }

    #[test]
    fn urls_name_bucket_and_prefix() {
        assert_eq!(
            parse_url("s3://crashes").unwrap(),
            ("crashes".into(), "".into())
        );
        assert_eq!(
            parse_url("s3://crash.stats.example/prod/v/").unwrap(),
            ("crash.stats.example".into(), "prod/v".into())
        );
        for bad in [
            "s3://",
            "s3://ab",
            "s3://Upper",
            "s3://a..b/x",
            "s3://.abc",
            "s3://abc/../x",
            "s3://abc/a//b",
        ] {
            assert!(parse_url(bad).is_err(), "{bad:?} accepted");
        }
    }
}

/// Where large staged objects are uploaded before their key is known.
const STAGING_DIR: &str = ".tmp-uploads";

/// Size of each part of a staged multipart upload: S3's smallest part,
/// and all a staged object holds in memory.
pub const PART_BYTES: usize = 5 << 20;

/// An upload to the staging key, once the content passed [`PART_BYTES`].
#[derive(Debug)]
struct Upload {
    key: String,
    /// In a mutex only so the staged object can be shared between threads;
    /// never locked across an await.
    parts: Mutex<Box<dyn MultipartUpload>>,
}

#[derive(Debug)]
struct S3Staged {
    store: Arc<S3Store>,
    chunks: Chunks,
    upload: Option<Upload>,
}

impl S3Staged {
    /// Uploads the buffered chunks as the next part, starting the upload first.
    async fn send_part(&mut self) -> Result<()> {
        if self.upload.is_none() {
            let key = format!("{STAGING_DIR}/{}", uuid::Uuid::new_v4().simple());
            let parts = self
                .store
                .client
                .put_multipart(&self.store.path(&key))
                .await
                .map_err(|e| remote("put", &key, e))?;
            self.upload = Some(Upload {
                key,
                parts: Mutex::new(parts),
            });
        }
        let Some(upload) = &mut self.upload else {
            unreachable!("started above")
        };
        let payload: PutPayload = self.chunks.take().into_iter().collect();
        let part = match upload.parts.get_mut() {
            Ok(parts) => parts.put_part(payload),
            Err(poisoned) => poisoned.into_inner().put_part(payload),
        };
        part.await.map_err(|e| remote("put", &upload.key, e))
    }
}

#[async_trait]
impl StagedObject for S3Staged {
    async fn write(&mut self, data: Bytes) -> Result<()> {
        if self.chunks.push(data, PART_BYTES) {
            self.send_part().await?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>, key: &str) -> Result<()> {
        if self.upload.is_some() && self.chunks.is_holding() {
            self.send_part().await?;
        }
        let Some(upload) = self.upload.take() else {
            // Under one part: a single put.
            let payload: PutPayload = self.chunks.take().into_iter().collect();
            return self
                .store
                .client
                .put(&self.store.path(key), payload)
                .await
                .map(|_| ())
                .map_err(|e| remote("put", key, e));
        };
        let mut parts = upload.parts.into_inner().unwrap_or_else(|p| p.into_inner());
        let staged = Staged {
            store: self.store.clone(),
            key: upload.key,
        };
        if let Err(e) = parts.complete().await {
            let _ = parts.abort().await;
            return Err(remote("put", &staged.key, e));
        }
        let client = &self.store.client;
        client
            .copy(&self.store.path(&staged.key), &self.store.path(key))
            .await
            .map_err(|e| remote("copy", key, e))
        // `staged` deletes the staging object when it goes.
    }

    fn len(&self) -> u64 {
        self.chunks.written()
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

impl Drop for S3Staged {
    fn drop(&mut self) {
        if let Some(upload) = self.upload.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let mut parts = upload.parts.into_inner().unwrap_or_else(|p| p.into_inner());
                runtime.spawn(async move {
                    if let Err(e) = parts.abort().await {
                        tracing::warn!("aborting the upload of {}: {e}", upload.key);
                    }
                });
            }
        }
    }
}

/// A completed staging object, deleted (in the background) when dropped.
struct Staged {
    store: Arc<S3Store>,
    key: String,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (store, key) = (self.store.clone(), std::mem::take(&mut self.key));
            runtime.spawn(async move {
                if let Err(e) = store.client.delete(&store.path(&key)).await {
                    tracing::warn!("deleting the staged upload {key}: {e}");
                }
            });
        }
    }
}
