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

/// A staged object held in memory and put whole at commit: for stores
/// whose objects are small or themselves in memory.
#[derive(Debug)]
pub struct Buffered {
    store: Arc<dyn ObjectStore>,
    chunks: Vec<Bytes>,
    len: u64,
}

impl Buffered {
    /// Staged content for `store`.
    pub fn new(store: Arc<dyn ObjectStore>) -> Buffered {
        Buffered {
            store,
            chunks: Vec::new(),
            len: 0,
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
        self.len += data.len() as u64;
        self.chunks.push(data);
        Ok(())
    }

    async fn commit(self: Box<Self>, key: &str) -> Result<()> {
        let Buffered { store, chunks, .. } = *self;
        store.put(key, concat(chunks)).await
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}
