// Package service is the domain of Baohan Gateway: applications for bid-bond
// guarantees, the guarantees issued on them, invoices, withdrawals,
// cancellations, claims and abandonment; the notices each change owes the
// platform; underwriting rules and fees; the audit trail. It declares the
// small interfaces it needs (the Store, the letter renderer, the clock) and
// knows neither HTTP nor SQL.
//
// # States of an application
//
//	                 baohanapply
//	                      │
//	                      ▼
//	   reject      ┌────────────┐   giveupapply (4.11 platform, 4.12 ours)
//	 ┌─────────────│  received  │──────────────────────────┐
//	 ▼             └────────────┘                          ▼
//	rejected              │ approve                    abandoned
//	(baohannotice 0)      ▼ (ciphertext letter, baohannotice 1)
//	               ┌────────────┐  quitapply   ┌──────────────┐ approve  withdrawn
//	               │   issued   │─────────────▶│ quit_pending │────────▶ (quitnotice 1)
//	               │            │◀─────────────│              │
//	               └────────────┘ reject       └──────────────┘
//	                 │       │    (quitnotice 0)
//	   baohanrestore │       │ claimsnotice
//	   (plaintext    ▼       ▼
//	   letter,  ┌──────────┐ claimsnotice ┌─────────┐ pay  ┌──────┐
//	 restore-   │ restored │─────────────▶│ claimed │─────▶│ paid │
//	 notice)    └──────────┘              └─────────┘      └──────┘
//	                 │ canclenotice
//	                 ▼
//	             cancelled
//
// The drawing is a picture of the table in fsm.go (machine), which is the
// truth: every operation that depends on the state — the platform's
// requests, officers' actions in the console and the admin API, the
// bidder's portal — asks Application.transition for the state it leaves,
// and Actions derives from the same table what an officer may do on an
// application's page and in the admin API's answer. Every transition not in
// the table is refused with an ESTATE error that names the current state;
// TestStateMachine (service) and TestAdminStateMachine (handler) walk every
// pair. Business rules that are not about the state (a refusal needs a
// reason, the payer must be the bidder, limits) are the service's too, so
// every edge keeps them. invoiceapply is accepted once the guarantee has
// been restored (restored, cancelled, claimed, paid) and lives beside the
// application's state: requested → issued (invoicenotice 1) or refused
// (invoicenotice 0). Expiry is not a state: a guarantee past its validity
// shows as expired where it is verified.
//
// # Consistency
//
// A change of state, the notice it causes, the record of the platform request
// that caused it (for idempotent retries) and its audit event are written in
// one transaction (Store.WithTx). Applications carry a version; an update
// whose version is stale fails, and the operation is retried on the fresh
// row, so of two concurrent requests on one guarantee one wins and the other
// is judged against the state the first left.
package service
