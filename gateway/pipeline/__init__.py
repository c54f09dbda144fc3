"""The pipeline: the only place where the stages are wired, as a state machine per item.

An inbound file goes  received → archived → (envelope checked → validated → acknowledged →
translated, in one step per file) → delivered per document, and any step can park it with a
reason. Work is a queue of rows (``work``: item kind and id, the step to run, not before when,
who claimed it until when); a worker claims one row, runs its step and, in the same database
transaction, records the step's results, its events and the next steps' rows, then deletes its
own. A worker killed mid-step leaves its claim to expire and the step runs again from the
state the database shows; the steps' effects outside the database are idempotent: archived
bytes are content-addressed, files written to a partner's outbound folder are replaced
atomically with the same bytes, and every ERP delivery carries an idempotency key that the
connector checks before creating anything.

Steps (``Work.step``):
- ``process`` (a received file): read it from the archive, resolve the partner, check envelopes
  and duplicates, validate, render the acks the partner's profile asks for, translate every
  accepted set through the partner's map, and record interchanges, groups, sets, documents,
  acks to send and deliveries to make.
- ``send`` (an outbound file: an ack or outbound EDI): write its bytes into the partner's
  outbound folder.
- ``deliver`` (a delivery): hand the document to the partner's ERP connector; retried with
  exponential backoff and jitter while the ERP is away, in order per partner; parked when the
  ERP refuses it.
"""
