//! Parsing a crash submission the way Mozilla's Antenna does.
//!
//! The body is read as it arrives: gzip is decoded on the fly and the
//! multipart stream is split into parts by `multer`, each part counted
//! against its limit, so nothing is buffered beyond what the limits allow.
//! Parts are classified by content type, not by name: an
//! `application/json` part of any name supplies annotations (keeping JSON
//! value types), a part without a filename whose type is `text/plain` (or
//! absent) is one annotation, and everything else is a dump.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use serde_json::{Map, Value};

use crate::storage::layout::{MAX_DUMP_NAME_LEN, RESERVED_DUMP_NAMES};
use crate::storage::Dumps;

/// Size limits of one submission.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The body as received (compressed, if it is).
    pub wire: u64,
    /// The body after gzip decoding.
    pub decompressed: u64,
    /// One multipart part.
    pub part: u64,
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
}

/// A parsed submission.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub annotations: Map<String, Value>,
    pub dumps: Dumps,
    /// Collector notes about what was dropped or odd.
    pub notes: Vec<String>,
    /// `"multipart"`, or `"json"` when an `application/json` part supplied the annotations.
    pub payload: &'static str,
    pub compressed: bool,
    /// Bytes received on the wire.
    pub wire_size: u64,
}

/// The request headers parsing needs.
#[derive(Debug, Clone, Default)]
pub struct Headers<'a> {
    pub content_type: Option<&'a str>,
    pub content_encoding: Option<&'a str>,
    pub content_length: Option<u64>,
}

type BodyStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

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

/// Parses a submission body.
pub async fn parse(
    headers: Headers<'_>,
    body: BodyStream,
    limits: Limits,
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
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| Rejection::Malformed("no_boundary"))?;
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
                io::ErrorKind::FileTooLarge | io::ErrorKind::TimedOut
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
    let constraints =
        multer::Constraints::new().size_limit(multer::SizeLimit::new().per_field(limits.part));
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let classify =
        |e: multer::Error, failure: &Arc<std::sync::Mutex<Option<io::Error>>>| -> Rejection {
            if let Some(body_error) = failure.lock().ok().and_then(|mut f| f.take()) {
                if let Some(which) = too_large(&body_error) {
                    return Rejection::TooLarge(which);
                }
                if body_error.kind() == io::ErrorKind::TimedOut {
                    return Rejection::Timeout;
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
    let mut dumps: BTreeMap<String, Bytes> = BTreeMap::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(classify(e, &failure)),
        };
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        let ctype = field.content_type().cloned();
        let essence = ctype.as_ref().map(|m| m.essence_str().to_ascii_lowercase());
        let charset = ctype
            .as_ref()
            .and_then(|m| m.get_param(mime::CHARSET).map(|c| c.as_str().to_owned()));
        let data = match field.bytes().await {
            Ok(d) => d,
            Err(e) => return Err(classify(e, &failure)),
        };
        match essence.as_deref() {
            Some("application/json") => {
                let value: Value = serde_json::from_slice(&data)
                    .map_err(|_| Rejection::Malformed("invalid_json"))?;
                let Value::Object(map) = value else {
                    return Err(Rejection::Malformed("invalid_json_value"));
                };
                // The JSON part replaces what came before; later fields go on top.
                sub.annotations = map;
                saw_json = true;
                sub.payload = "json";
            }
            None | Some("text/plain") if filename.is_none() => {
                saw_text = true;
                match decode_text(&data, charset.as_deref()) {
                    Some(text) => {
                        sub.annotations
                            .insert(name, Value::String(text.replace('\0', "")));
                    }
                    None => sub.notes.push(format!(
                        "annotation {name:?} dropped: undecodable in charset {}",
                        charset.as_deref().unwrap_or("utf-8")
                    )),
                }
            }
            other => {
                let clean = sanitize_dump_name(&name);
                if clean.is_empty() || RESERVED_DUMP_NAMES.contains(&clean.as_str()) {
                    return Err(Rejection::Malformed("invalid_dump_name"));
                }
                if !matches!(other, Some("application/octet-stream") | None) {
                    sub.notes.push(format!(
                        "dump {clean:?} has unexpected content type {}",
                        other.unwrap_or("")
                    ));
                }
                if clean != name {
                    sub.notes
                        .push(format!("dump name {name:?} sanitized to {clean:?}"));
                }
                dumps.insert(clean, data);
            }
        }
    }
    if saw_json && saw_text {
        sub.notes.push(
            "payload had both a JSON part and form fields; form fields were added on top".into(),
        );
    }
    if sub.annotations.is_empty() {
        return Err(Rejection::Malformed("no_annotations"));
    }
    sub.dumps = dumps;
    sub.wire_size = wire_bytes.load(Ordering::Relaxed);
    Ok(sub)
}
