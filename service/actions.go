package service

// Actions lists what actor may do now on the application of d, in the order
// of Operations and then invoice, letter: the officer operations the state
// table allows in its state, and those on its invoice request and on a
// plaintext letter that failed. Only officers who do business (经办, 复核)
// and the admin API (which acts as a checker) may do anything; an
// administrator or an auditor sees none. A claim payment is listed for the
// application: each pending claim is paid on its own.
func Actions(d *Detail, actor Actor) []Operation {
	if !doesBusiness(actor) || d == nil || d.Application == nil {
		return nil
	}
	a := d.Application
	var out []Operation
	for _, op := range Operations {
		if machine[op].by == ActorOfficer && a.may(op) {
			out = append(out, op)
		}
	}
	if d.Invoice != nil && d.Invoice.Status == InvoiceRequested {
		out = append(out, OpInvoiceIssue, OpInvoiceRefuse)
	}
	if a.LetterFailed() {
		out = append(out, OpRetryLetter)
	}
	return out
}

// Actions is Actions of the case file, less what a pending proposal already
// asks for: a second approval, a second retry of the letter.
func (cf *CaseFile) Actions(actor Actor) []Operation {
	pending := map[Operation]bool{}
	for _, pr := range cf.Proposals {
		if pr.Status != ProposalPending {
			continue
		}
		switch pr.Action {
		case ActionApprove:
			pending[OpApprove] = true
		case ActionRetryLetter:
			pending[OpRetryLetter] = true
		}
	}
	var out []Operation
	for _, op := range Actions(cf.Detail, actor) {
		if !pending[op] {
			out = append(out, op)
		}
	}
	return out
}

// HasAction reports whether ops holds op.
func HasAction(ops []Operation, op Operation) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// doesBusiness reports whether actor is an officer who does business or
// the admin API: who may start an officer operation (mayOperate refuses the
// other officers).
func doesBusiness(actor Actor) bool {
	switch actor.Kind {
	case ActorOfficer:
		return actor.Role == RoleMaker || actor.Role == RoleChecker
	case ActorAPI:
		return true
	}
	return false
}
