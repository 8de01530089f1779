//! Parsing a crash submission the way Mozilla's Antenna does.
//!
//! The body is read as it arrives: gzip is decoded on the fly and the
//! multipart stream is split into parts by `multer`, each part counted
//! against its limit, so nothing is buffered beyond what the limits allow.
//! Parts are classified as Antenna classifies them, by content type, not
//! by name: a part without a name is ignored; an `application/json` part of
//! any name supplies the annotations (keeping JSON value types); a
//! `text/plain` part without a filename is one annotation, whatever its
//! name; everything else is a dump, with a collector note when its type is
//! not `application/octet-stream`. A part without a Content-Type is
//! `text/plain` (RFC 7578). `multipart/mixed` bodies are read like
//! `multipart/form-data`. The part limit applies to annotation and JSON
//! parts; dumps are bounded by the body limits only, as in Antenna.
//!
//! Dump parts stream into storage as they arrive ([`CrashStorage::stage_dump`]),
//! hashed on the way; nothing of a dump stays in memory beyond what the
//! backend buffers, and a submission dropped before it is saved (refused,
//! throttled, abandoned) leaves nothing in storage.
//!
//! Collector notes use Antenna's wording, which Crash Stats shows and
//! people search.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::storage::layout::{MAX_DUMP_NAME_LEN, RESERVED_DUMP_NAMES};
use crate::storage::{CrashStorage, StagedObject, StorageError};

/// Limits of one submission.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The body as received (compressed, if it is).
    pub wire: u64,
    /// The body after gzip decoding.
    pub decompressed: u64,
    /// One annotation or JSON part.
    pub part: u64,
    /// One write of a dump into storage while it streams in: storage that
    /// takes longer is unavailable (a 503), the request does not hang on it.
    pub write_timeout: std::time::Duration,
}

/// Why a submission is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// HTTP 400, body `Discarded=malformed_<reason>`.
    Malformed(&'static str),
    /// HTTP 413: the named limit was exceeded.
    TooLarge(&'static str),
    /// HTTP 408: the client stopped sending before the body was complete.
    Timeout,
    /// The client closed the connection before the body was complete
    /// (nobody reads the answer; counted apart from malformed bodies).
    ClientAborted,
}

/// Storage failed while a dump streamed in. Not a refusal of the body:
/// the rest of it is still read, so the throttle decides as it would with
/// storage up (a crash a rule rejects or fake-accepts is answered as
/// such, as Antenna answers it); a crash to be saved gets 503 when the
/// failure may pass (the client sends it again), 500 otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagingFailed {
    pub transient: bool,
    pub message: String,
}

impl From<StorageError> for StagingFailed {
    fn from(e: StorageError) -> StagingFailed {
        StagingFailed {
            transient: e.is_transient(),
            message: e.to_string(),
        }
    }
}

/// What Antenna notes when annotations come both as a JSON part and as
/// form fields. (Antenna then keeps only the JSON part's; crashkit keeps
/// SPEC 3.1's rule, form fields after the JSON part on top of it, so no
/// annotation a client sent is lost.)
pub const NOTE_JSON_AND_FORM: &str =
    "includes annotations in both json-encoded extra and formdata parts";

/// Longest boundary RFC 2046 allows.
const MAX_BOUNDARY_LEN: usize = 70;

/// A dump part, staged in storage.
#[derive(Debug)]
pub struct Dump {
    pub staged: Box<dyn StagedObject>,
    pub sha256: [u8; 32],
}

/// A parsed submission.
#[derive(Debug, Default)]
pub struct Submission {
    pub annotations: Map<String, Value>,
    /// By sanitized name; a later part of one name replaces an earlier one.
    pub dumps: BTreeMap<String, Dump>,
    /// Collector notes about what was dropped or odd.
    pub notes: Vec<String>,
    /// `"multipart"`, or `"json"` when an `application/json` part supplied the annotations.
    pub payload: &'static str,
    pub compressed: bool,
    /// Bytes received on the wire.
    pub wire_size: u64,
    /// The first storage failure while dumps streamed in; once set, no
    /// dump is staged any more (`dumps` is empty) and the crash cannot be saved.
    pub staging_failed: Option<StagingFailed>,
}

/// The request headers parsing needs.
#[derive(Debug, Clone, Default)]
pub struct Headers<'a> {
    pub content_type: Option<&'a str>,
    pub content_encoding: Option<&'a str>,
    pub content_length: Option<u64>,
}

type BodyStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// Delivers a stream's end one poll after its last data.
///
/// multer 3.1, while it looks for the first boundary, reads the stream a
/// second time in one poll and, if the stream ended in that second read,
/// reports an incomplete body without looking at the data that came with
/// the end. A body read whole while its request waited for an in-flight
/// place arrives exactly so (about one request in 5,000 under load), and
/// a valid crash was refused as `malformed_invalid_payload_structure`.
/// Ending in a poll of its own, after waking the task, avoids that.
struct EndInItsOwnPoll<S> {
    inner: S,
    /// Data came in the last poll: the end waits for the next.
    data_last: bool,
    /// The inner stream ended (it is not polled again).
    ended: bool,
}

impl<S> EndInItsOwnPoll<S> {
    fn new(inner: S) -> Self {
        EndInItsOwnPoll {
            inner,
            data_last: false,
            ended: false,
        }
    }
}

impl<S: Stream<Item = io::Result<Bytes>> + Unpin> Stream for EndInItsOwnPoll<S> {
    type Item = io::Result<Bytes>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(None) if self.data_last => {
                self.ended = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(Some(item)) => {
                self.data_last = true;
                Poll::Ready(Some(item))
            }
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                self.data_last = false;
                Poll::Pending
            }
        }
    }
}

/// Counts bytes flowing through a stream and fails past `limit`.
fn counted(
    stream: BodyStream,
    limit: u64,
    counter: Arc<AtomicU64>,
    what: &'static str,
) -> BodyStream {
    Box::pin(stream.map(move |chunk| {
        let chunk = chunk?;
        let total = counter.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if total > limit {
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, what));
        }
        Ok(chunk)
    }))
}

fn too_large(e: &io::Error) -> Option<&'static str> {
    (e.kind() == io::ErrorKind::FileTooLarge).then(|| match e.to_string().as_str() {
        "wire" => "wire",
        _ => "decompressed",
    })
}

/// Dump names keep `[A-Za-z0-9_]`, at most 30 characters.
pub fn sanitize_dump_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(MAX_DUMP_NAME_LEN)
        .collect()
}

/// Decodes a text part in its declared charset; `None` when it cannot be
/// decoded without replacement characters. Labels are WHATWG's
/// (`encoding_rs`), except that ISO-8859-1 means Latin-1 itself, as in
/// Python, rather than the web's windows-1252.
fn decode_text(bytes: &[u8], charset: Option<&str>) -> Option<String> {
    let label = charset.map_or("utf-8", |c| c.trim().trim_matches('"'));
    let lower = label.to_ascii_lowercase();
    if matches!(lower.as_str(), "iso-8859-1" | "latin1" | "latin-1" | "l1") {
        return Some(encoding_rs::mem::decode_latin1(bytes).into_owned());
    }
    if matches!(lower.as_str(), "us-ascii" | "ascii") {
        return bytes
            .is_ascii()
            .then(|| encoding_rs::mem::decode_latin1(bytes).into_owned());
    }
    let mut encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
    let mut body = bytes;
    if lower == "utf-16" {
        // Python's "utf-16": a byte-order mark decides, little-endian without one.
        if let Some((bom, len)) = encoding_rs::Encoding::for_bom(bytes) {
            (encoding, body) = (bom, &bytes[len..]);
        }
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .map(std::borrow::Cow::into_owned)
}

/// The boundary of a multipart content type (form-data or mixed); one
/// longer than RFC 2046 allows is a malformed payload.
fn boundary(content_type: &str) -> Result<String, Rejection> {
    let mime: mime::Mime = content_type
        .parse()
        .map_err(|_| Rejection::Malformed("no_boundary"))?;
    let boundary = mime
        .get_param(mime::BOUNDARY)
        .map(|b| b.as_str().to_owned())
        .filter(|b| !b.is_empty())
        .ok_or(Rejection::Malformed("no_boundary"))?;
    if boundary.len() > MAX_BOUNDARY_LEN {
        return Err(Rejection::Malformed("invalid_payload_structure"));
    }
    Ok(boundary)
}

/// Reading an annotation or JSON part failed.
enum ReadError {
    /// Over the part limit.
    TooLarge,
    Multipart(multer::Error),
}

impl ReadError {
    fn into_rejection(self, classify: impl FnOnce(multer::Error) -> Rejection) -> Rejection {
        match self {
            ReadError::TooLarge => Rejection::TooLarge("part"),
            ReadError::Multipart(e) => classify(e),
        }
    }
}

/// A part's bytes, at most `cap` of them.
async fn read_capped(field: &mut multer::Field<'_>, cap: u64) -> Result<Bytes, ReadError> {
    let mut data = bytes::BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(ReadError::Multipart)? {
        if (data.len() + chunk.len()) as u64 > cap {
            return Err(ReadError::TooLarge);
        }
        data.extend_from_slice(&chunk);
    }
    Ok(data.freeze())
}

/// Parses a submission body, staging its dumps in `storage`.
pub async fn parse(
    headers: Headers<'_>,
    body: BodyStream,
    limits: Limits,
    storage: &CrashStorage,
) -> Result<Submission, Rejection> {
    let content_type = headers
        .content_type
        .filter(|c| !c.trim().is_empty())
        .ok_or(Rejection::Malformed("no_content_type"))?;
    let mime: Vec<&str> = content_type.split(';').map(str::trim).collect();
    let essence = mime[0].to_ascii_lowercase();
    if essence != "multipart/form-data" && essence != "multipart/mixed" {
        return Err(Rejection::Malformed("wrong_content_type"));
    }
    let boundary = boundary(content_type)?;
    let length = headers
        .content_length
        .filter(|&l| l > 0)
        .ok_or(Rejection::Malformed("no_content_length"))?;
    if length > limits.wire {
        return Err(Rejection::TooLarge("wire"));
    }
    let compressed = headers
        .content_encoding
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"));

    let wire_bytes = Arc::new(AtomicU64::new(0));
    let mut stream = counted(body, limits.wire, wire_bytes.clone(), "wire");
    if compressed {
        let reader = tokio_util::io::StreamReader::new(stream);
        let decoder = async_compression::tokio::bufread::GzipDecoder::new(reader);
        let decoded = tokio_util::io::ReaderStream::new(decoder).map_err(|e| {
            if matches!(
                e.kind(),
                io::ErrorKind::FileTooLarge
                    | io::ErrorKind::TimedOut
                    | io::ErrorKind::ConnectionAborted
            ) {
                e
            } else {
                io::Error::new(io::ErrorKind::InvalidData, format!("gzip: {e}"))
            }
        });
        stream = counted(
            Box::pin(decoded),
            limits.decompressed,
            Arc::new(AtomicU64::new(0)),
            "decompressed",
        );
    }

    // Read part by part; body errors are classified after the fact.
    let failure: Arc<std::sync::Mutex<Option<io::Error>>> = Arc::default();
    let failure_slot = failure.clone();
    let stream = stream.map(move |chunk| {
        chunk.map_err(|e| {
            let kind = e.kind();
            let msg = e.to_string();
            if let Ok(mut slot) = failure_slot.lock() {
                slot.get_or_insert(io::Error::new(kind, msg.clone()));
            }
            io::Error::new(kind, msg)
        })
    });
    let mut multipart = multer::Multipart::new(EndInItsOwnPoll::new(stream), boundary);
    let classify =
        |e: multer::Error, failure: &Arc<std::sync::Mutex<Option<io::Error>>>| -> Rejection {
            if let Some(body_error) = failure.lock().ok().and_then(|mut f| f.take()) {
                if let Some(which) = too_large(&body_error) {
                    return Rejection::TooLarge(which);
                }
                if body_error.kind() == io::ErrorKind::TimedOut {
                    return Rejection::Timeout;
                }
                if body_error.kind() == io::ErrorKind::ConnectionAborted {
                    return Rejection::ClientAborted;
                }
                if compressed && body_error.kind() == io::ErrorKind::InvalidData {
                    return Rejection::Malformed("bad_gzip");
                }
                if compressed && body_error.kind() == io::ErrorKind::UnexpectedEof {
                    return Rejection::Malformed("bad_gzip");
                }
            }
            match e {
                multer::Error::FieldSizeExceeded { .. }
                | multer::Error::StreamSizeExceeded { .. } => Rejection::TooLarge("part"),
                _ => Rejection::Malformed("invalid_payload_structure"),
            }
        };

    let mut sub = Submission {
        payload: "multipart",
        compressed,
        ..Submission::default()
    };
    let mut saw_text = false;
    let mut saw_json = false;
    let mut dumps: BTreeMap<String, Dump> = BTreeMap::new();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(classify(e, &failure)),
        };
        // A part without a name is junk: dropped, as Antenna drops it.
        let Some(name) = field.name().filter(|n| !n.is_empty()).map(str::to_owned) else {
            continue;
        };
        let has_filename = field.file_name().is_some();
        let ctype = field.content_type().cloned();
        let content_type = ctype
            .as_ref()
            .map_or_else(|| "text/plain".to_owned(), ToString::to_string);
        let essence = ctype.as_ref().map_or_else(
            || "text/plain".to_owned(),
            |m| m.essence_str().to_ascii_lowercase(),
        );
        let charset = ctype
            .as_ref()
            .and_then(|m| m.get_param(mime::CHARSET).map(|c| c.as_str().to_owned()));
        if essence.starts_with("application/json") {
            let data = read_capped(&mut field, limits.part)
                .await
                .map_err(|e| e.into_rejection(|e| classify(e, &failure)))?;
            let value: Value =
                serde_json::from_slice(&data).map_err(|_| Rejection::Malformed("invalid_json"))?;
            let Value::Object(map) = value else {
                return Err(Rejection::Malformed("invalid_json_value"));
            };
            // The JSON part replaces what came before; later fields go on top.
            sub.annotations = map;
            saw_json = true;
            sub.payload = "json";
        } else if essence == "text/plain" && !has_filename {
            let data = read_capped(&mut field, limits.part)
                .await
                .map_err(|e| e.into_rejection(|e| classify(e, &failure)))?;
            match decode_text(&data, charset.as_deref()) {
                Some(text) => {
                    saw_text = true;
                    sub.annotations
                        .insert(name, Value::String(text.replace('\0', "")));
                }
                None => sub.notes.push(format!(
                    "extract payload text part exception: invalid text or charset: {}",
                    charset.as_deref().unwrap_or("utf-8")
                )),
            }
        } else {
            let clean = sanitize_dump_name(&name);
            if clean.is_empty() || RESERVED_DUMP_NAMES.contains(&clean.as_str()) {
                return Err(Rejection::Malformed("invalid_dump_name"));
            }
            if content_type != "application/octet-stream" {
                sub.notes
                    .push(format!("unknown content type: {name} {content_type}"));
            }
            // An earlier part of this name is dropped (and its staging with it).
            dumps.remove(&clean);
            let mut staged = match &sub.staging_failed {
                Some(_) => None,
                None => match storage.stage_dump(&clean) {
                    Ok(staged) => Some(staged),
                    Err(e) => {
                        fail_staging(&mut sub, &mut dumps, e.into());
                        None
                    }
                },
            };
            let mut sha256 = Sha256::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        let Some(object) = staged.as_mut() else {
                            continue;
                        };
                        sha256.update(&chunk);
                        let failed =
                            match tokio::time::timeout(limits.write_timeout, object.write(chunk))
                                .await
                            {
                                Ok(Ok(())) => continue,
                                Ok(Err(e)) => e.into(),
                                Err(_) => StagingFailed {
                                    transient: true,
                                    message: format!(
                                        "a write of dump {clean} took over {} s",
                                        limits.write_timeout.as_secs()
                                    ),
                                },
                            };
                        fail_staging(&mut sub, &mut dumps, failed);
                        staged = None;
                    }
                    Ok(None) => break,
                    Err(e) => return Err(classify(e, &failure)),
                }
            }
            if let Some(staged) = staged {
                let sha256 = sha256.finalize().into();
                dumps.insert(clean, Dump { staged, sha256 });
            }
        }
    }
    if saw_json && saw_text {
        sub.notes.push(NOTE_JSON_AND_FORM.into());
    }
    if sub.annotations.is_empty() {
        return Err(Rejection::Malformed("no_annotations"));
    }
    sub.dumps = dumps;
    sub.wire_size = wire_bytes.load(Ordering::Relaxed);
    Ok(sub)
}

/// Records the first storage failure and drops what is staged so far (the
/// crash cannot be saved now); the body is still read to its end.
fn fail_staging(sub: &mut Submission, dumps: &mut BTreeMap<String, Dump>, failed: StagingFailed) {
    sub.staging_failed.get_or_insert(failed);
    dumps.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "442e931e47c9474f9bcd9b73e47aa38d";

    /// A multipart body of `(part headers, part body)`.
    fn body(boundary: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (headers, data) in parts {
            out.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        out
    }

    fn text(name: &str) -> String {
        format!("Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: text/plain")
    }

    fn dump(name: &str) -> String {
        format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}.dmp\"\r\nContent-Type: application/octet-stream")
    }

    const LIMITS: Limits = Limits {
        wire: 25 << 20,
        decompressed: 100 << 20,
        part: 20 << 20,
        write_timeout: std::time::Duration::from_secs(30),
    };

    async fn parse_as(
        content_type: &str,
        body: Vec<u8>,
        limits: Limits,
    ) -> Result<Submission, Rejection> {
        // Delivered in 64 KiB chunks, as a connection would.
        let len = body.len();
        let chunks: Vec<io::Result<Bytes>> = body
            .chunks(64 << 10)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let stream = Box::pin(futures::stream::iter(chunks));
        parse_stream(content_type, len, stream, limits, &memory()).await
    }

    /// Parses what `stream` delivers of a body announced as `len` bytes.
    async fn parse_stream(
        content_type: &str,
        len: usize,
        stream: BodyStream,
        limits: Limits,
        storage: &CrashStorage,
    ) -> Result<Submission, Rejection> {
        let headers = Headers {
            content_type: Some(content_type),
            content_encoding: None,
            content_length: Some(len as u64),
        };
        parse(headers, stream, limits, storage).await
    }

    /// [`parse_stream`] of a form-data body with [`BOUNDARY`].
    async fn parse_form_stream(
        len: usize,
        stream: BodyStream,
        storage: &CrashStorage,
    ) -> Result<Submission, Rejection> {
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        parse_stream(&content_type, len, stream, LIMITS, storage).await
    }

    fn memory() -> CrashStorage {
        CrashStorage::new(Arc::new(crate::storage::MemoryStore::default()))
    }

    fn sha(data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    async fn parse_form(body: Vec<u8>) -> Result<Submission, Rejection> {
        parse_as(
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            body,
            LIMITS,
        )
        .await
    }

    #[tokio::test]
    async fn multipart_mixed_is_accepted_like_form_data() {
        let b = body(
            BOUNDARY,
            &[
                (&text("ProductName"), b"Firefox"),
                (&dump("upload_file_minidump"), b"MDMP"),
            ],
        );
        let sub = parse_as(&format!("multipart/mixed; boundary={BOUNDARY}"), b, LIMITS)
            .await
            .unwrap();
        assert_eq!(sub.annotations["ProductName"], "Firefox");
        assert_eq!(sub.dumps["upload_file_minidump"].sha256, sha(b"MDMP"));
        assert!(sub.notes.is_empty(), "{:?}", sub.notes);
    }

    #[tokio::test]
    async fn a_25_mib_body_with_a_dump_over_20_mib_is_accepted() {
        let big = vec![7u8; 21 << 20];
        let mut b = body(
            BOUNDARY,
            &[
                (&text("ProductName"), b"Firefox"),
                (&dump("upload_file_minidump"), &big),
            ],
        );
        assert!(b.len() < 25 << 20);
        let sub = parse_form(std::mem::take(&mut b)).await.unwrap();
        assert_eq!(sub.dumps["upload_file_minidump"].staged.len(), 21 << 20);
        // The part limit is for text: an annotation over it is refused.
        let b = body(BOUNDARY, &[(&text("ProductName"), &big)]);
        assert_eq!(
            parse_form(b).await.unwrap_err(),
            Rejection::TooLarge("part")
        );
    }

    #[tokio::test]
    async fn a_part_without_content_type_is_text() {
        let b = body(
            BOUNDARY,
            &[(
                "Content-Disposition: form-data; name=\"ProductName\"",
                b"Firefox",
            )],
        );
        let sub = parse_form(b).await.unwrap();
        assert_eq!(sub.annotations["ProductName"], "Firefox");
        assert!(sub.dumps.is_empty());
    }

    #[tokio::test]
    async fn a_text_part_with_a_filename_is_a_dump_with_a_note() {
        let b = body(BOUNDARY, &[
            (&text("ProductName"), b"Firefox"),
            ("Content-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"dump\"", b"ou812"),
        ]);
        let sub = parse_form(b).await.unwrap();
        assert_eq!(sub.dumps["upload_file_minidump"].sha256, sha(b"ou812"));
        assert_eq!(
            sub.notes,
            ["unknown content type: upload_file_minidump text/plain"]
        );
    }

    #[tokio::test]
    async fn a_text_html_part_is_a_dump_with_a_note() {
        let b = body(BOUNDARY, &[
            (&text("ProductName"), b"Firefox"),
            ("Content-Disposition: form-data; name=\"upload_file_minidump_page\"\r\nContent-Type: text/html", b"<p>"),
        ]);
        let sub = parse_form(b).await.unwrap();
        assert_eq!(sub.dumps["upload_file_minidump_page"].sha256, sha(b"<p>"));
        assert_eq!(
            sub.notes,
            ["unknown content type: upload_file_minidump_page text/html"]
        );
    }

    #[tokio::test]
    async fn a_part_without_a_name_is_ignored() {
        let b = body(
            BOUNDARY,
            &[
                (
                    "Content-Disposition: form-data\r\nContent-Type: text/plain",
                    b"junk",
                ),
                (
                    "Content-Disposition: form-data; name=\"\"; filename=\"x\"",
                    b"junk",
                ),
                (&text("ProductName"), b"Firefox"),
            ],
        );
        let sub = parse_form(b).await.unwrap();
        assert_eq!(sub.annotations.len(), 1);
        assert!(sub.dumps.is_empty() && sub.notes.is_empty());
    }

    #[tokio::test]
    async fn a_text_part_named_like_a_dump_is_an_annotation() {
        let b = body(
            BOUNDARY,
            &[
                (&text("ProductName"), b"Firefox"),
                (&text("upload_file_minidump_browser"), b"not a dump"),
            ],
        );
        let sub = parse_form(b).await.unwrap();
        assert_eq!(
            sub.annotations["upload_file_minidump_browser"],
            "not a dump"
        );
        assert!(sub.dumps.is_empty());
    }

    #[tokio::test]
    async fn a_boundary_over_70_characters_is_refused() {
        for (len, ok) in [(70, true), (71, false)] {
            let boundary = "b".repeat(len);
            let b = body(&boundary, &[(&text("ProductName"), b"Firefox")]);
            let result = parse_as(
                &format!("multipart/form-data; boundary={boundary}"),
                b,
                LIMITS,
            )
            .await;
            match ok {
                true => assert!(result.is_ok(), "{len}: {result:?}"),
                false => assert_eq!(
                    result.unwrap_err(),
                    Rejection::Malformed("invalid_payload_structure")
                ),
            }
        }
    }

    #[tokio::test]
    async fn json_and_form_annotations_get_antennas_note() {
        let b = body(BOUNDARY, &[
            ("Content-Disposition: form-data; name=\"extra\"\r\nContent-Type: application/json", br#"{"ProductName":"Firefox","Version":"1.0"}"#),
            (&text("IgnoredAnnotation"), b"someval"),
        ]);
        let sub = parse_form(b).await.unwrap();
        assert_eq!(sub.annotations.len(), 3);
        assert_eq!(sub.annotations["IgnoredAnnotation"], "someval");
        assert_eq!(sub.payload, "json");
        assert_eq!(sub.notes, [NOTE_JSON_AND_FORM]);
    }

    #[tokio::test]
    async fn an_undecodable_text_part_is_dropped_with_antennas_note() {
        let b = body(
            BOUNDARY,
            &[
                (&text("Version"), b"100"),
                (
                    &format!("{}; charset=utf-8", text("ProductName")),
                    b"\xde\xde\xde",
                ),
            ],
        );
        let sub = parse_form(b).await.unwrap();
        assert_eq!(sub.annotations.len(), 1);
        assert_eq!(
            sub.notes,
            ["extract payload text part exception: invalid text or charset: utf-8"]
        );
    }

    #[tokio::test]
    async fn a_connection_lost_mid_body_is_a_client_abort() {
        let b = body(
            BOUNDARY,
            &[
                (&text("ProductName"), b"Firefox"),
                (&dump("upload_file_minidump"), &[1; 1000]),
            ],
        );
        let chunks: Vec<io::Result<Bytes>> = vec![
            Ok(Bytes::copy_from_slice(&b[..300])),
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection closed",
            )),
        ];
        let stream = Box::pin(futures::stream::iter(chunks));
        let result = parse_form_stream(b.len(), stream, &memory()).await;
        assert_eq!(result.unwrap_err(), Rejection::ClientAborted);
    }

    /// A body that is not ready at the first poll, then arrives whole and
    /// ends within one poll: what a connection does when the request's
    /// in-flight place frees up while the whole body is already read.
    struct WholeAtSecondPoll {
        polls: u32,
        body: Option<Bytes>,
        ended: bool,
    }

    impl Stream for WholeAtSecondPoll {
        type Item = io::Result<Bytes>;
        fn poll_next(
            mut self: Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.polls += 1;
            if self.polls == 1 {
                cx.waker().wake_by_ref();
                return std::task::Poll::Pending;
            }
            assert!(
                !self.ended,
                "polled after its end, which unfold does not survive"
            );
            let next = self.body.take().map(Ok);
            self.ended = next.is_none();
            std::task::Poll::Ready(next)
        }
    }

    #[tokio::test]
    async fn a_body_arriving_whole_with_its_end_in_one_poll_is_parsed() {
        let b = body(
            BOUNDARY,
            &[
                (&text("ProductName"), b"Firefox"),
                (&dump("upload_file_minidump"), b"MDMP"),
            ],
        );
        let len = b.len();
        let stream = WholeAtSecondPoll {
            polls: 0,
            body: Some(Bytes::from(b)),
            ended: false,
        };
        let sub = parse_form_stream(len, Box::pin(stream), &memory())
            .await
            .unwrap();
        assert_eq!(sub.dumps["upload_file_minidump"].sha256, sha(b"MDMP"));
    }

    /// Every file under `dir`, staged ones included.
    fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(files(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    #[tokio::test]
    async fn dumps_stream_into_storage_and_a_refused_body_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let storage = CrashStorage::new(Arc::new(crate::storage::DirStore::new(tmp.path())));
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let b = body(
            BOUNDARY,
            &[
                (&text("ProductName"), b"Firefox"),
                (&dump("upload_file_minidump"), &big),
                (&dump("upload_file_minidump_browser"), b"MDMP"),
            ],
        );
        let chunks = |upto: usize| -> BodyStream {
            let chunks: Vec<io::Result<Bytes>> = b[..upto]
                .chunks(64 << 10)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            Box::pin(futures::stream::iter(chunks))
        };
        // Cut off past the first megabytes of the big dump: refused, and its
        // staged file (it spilled to disk by then) removed.
        let cut = parse_form_stream(b.len(), chunks(2_500_000), &storage).await;
        assert_eq!(
            cut.unwrap_err(),
            Rejection::Malformed("invalid_payload_structure")
        );
        wait_until_no_files(tmp.path()).await;
        // Whole: each dump committed under a key is what was sent.
        let mut sub = parse_form_stream(b.len(), chunks(b.len()), &storage)
            .await
            .unwrap();
        assert_eq!(sub.dumps["upload_file_minidump"].sha256, sha(&big));
        let big_dump = sub.dumps.remove("upload_file_minidump").unwrap();
        big_dump.staged.commit("v1/dump/x").await.unwrap();
        assert_eq!(storage.objects().get("v1/dump/x").await.unwrap(), big);
        // The other one, never committed, goes when the submission does.
        drop(sub);
        wait_until_no_files_but(tmp.path(), &[tmp.path().join("v1/dump/x")]).await;
    }

    async fn wait_until_no_files(dir: &std::path::Path) {
        wait_until_no_files_but(dir, &[]).await;
    }

    /// Staged files of dropped dumps are removed on a blocking thread: wait for it.
    async fn wait_until_no_files_but(dir: &std::path::Path, kept: &[std::path::PathBuf]) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let left: Vec<_> = files(dir)
                .into_iter()
                .filter(|f| !kept.contains(f))
                .collect();
            if left.is_empty() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "left behind: {left:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}
