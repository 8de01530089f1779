//! Objects written before their key is known: a dump streams in before the
//! crash it belongs to has an id. A [`StagedObject`] takes the content as
//! it arrives and becomes an object only at [`StagedObject::commit`]; one
//! dropped uncommitted leaves nothing behind (a refused or abandoned upload).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};

use super::{ObjectStore, Result};

/// Content on its way into an object store, under a key named at commit
/// (in the directory given when it was started).
#[async_trait]
pub trait StagedObject: Send + Sync + fmt::Debug + Any {
    /// Appends `data`.
    async fn write(&mut self, data: Bytes) -> Result<()>;
    /// Stores the content under `key`, durable when it returns.
    async fn commit(self: Box<Self>, key: &str) -> Result<()>;
    /// Bytes written so far.
    fn len(&self) -> u64;
    /// Whether nothing was written.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// For the backend that staged it, to commit it with others in one go.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

/// What a staged object holds in memory until its backend writes it out.
#[derive(Debug, Default)]
pub(super) struct Chunks {
    held: Vec<Bytes>,
    held_bytes: usize,
    /// Bytes written in all, held or written out.
    written: u64,
}

impl Chunks {
    /// Holds `data`; whether `limit` bytes or more are now held.
    pub(super) fn push(&mut self, data: Bytes, limit: usize) -> bool {
        self.written += data.len() as u64;
        self.held_bytes += data.len();
        self.held.push(data);
        self.held_bytes >= limit
    }

    /// The held chunks, which are no longer held.
    pub(super) fn take(&mut self) -> Vec<Bytes> {
        self.held_bytes = 0;
        std::mem::take(&mut self.held)
    }

    pub(super) fn is_holding(&self) -> bool {
        !self.held.is_empty()
    }

    pub(super) fn written(&self) -> u64 {
        self.written
    }
}

/// A staged object held in memory and put whole at commit: for stores
/// whose objects are small or themselves in memory.
#[derive(Debug)]
pub struct Buffered {
    store: Arc<dyn ObjectStore>,
    chunks: Chunks,
}

impl Buffered {
    /// Staged content for `store`.
    pub fn new(store: Arc<dyn ObjectStore>) -> Buffered {
        Buffered {
            store,
            chunks: Chunks::default(),
        }
    }
}

/// The chunks as one buffer (without a copy when there is one chunk).
pub(super) fn concat(chunks: Vec<Bytes>) -> Bytes {
    if chunks.len() == 1 {
        return chunks.into_iter().next().unwrap_or_default();
    }
    let mut out = BytesMut::with_capacity(chunks.iter().map(Bytes::len).sum());
    for chunk in chunks {
        out.extend_from_slice(&chunk);
    }
    out.freeze()
}

#[async_trait]
impl StagedObject for Buffered {
    async fn write(&mut self, data: Bytes) -> Result<()> {
        self.chunks.push(data, usize::MAX);
        Ok(())
    }

    async fn commit(self: Box<Self>, key: &str) -> Result<()> {
        let Buffered { store, mut chunks } = *self;
        store.put(key, concat(chunks.take())).await
    }

    fn len(&self) -> u64 {
        self.chunks.written()
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}
