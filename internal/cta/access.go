package cta

import "github.com/tendhq/tend/internal/auth"

// CanAct reports whether p may change a CTA owned by ownerID on an account
// whose CSM is csmID: leaders and admins any; a CSM those they own or on
// their accounts; read-only principals none. Web, API and CLI ask here.
func CanAct(p auth.Principal, ownerID, csmID int64) bool {
	if !p.CanWrite() {
		return false
	}
	return p.CanEditAllAccounts() || ownerID == p.UserID || p.CanEditAccount(csmID)
}

// RequireAct is CanAct as an error for the surfaces to show.
func RequireAct(p auth.Principal, id, ownerID, csmID int64) error {
	if err := p.RequireWrite(); err != nil {
		return err
	}
	if !CanAct(p, ownerID, csmID) {
		return auth.Forbid("CTA %d is not yours: its owner, the account's CSM or a leader can change it", id)
	}
	return nil
}
