package customer

import (
	"strings"
	"time"

	"github.com/tendhq/tend/internal/validate"
)

// Roles of the people who use Tend.
const (
	RoleAdmin    = "admin"     // configuration, users, tokens
	RoleLeader   = "leader"    // everything but users and configuration
	RoleCSM      = "csm"       // edits their own book, reads all
	RoleReadOnly = "read_only" // reads
)

// Roles lists the user roles.
var Roles = []string{RoleAdmin, RoleLeader, RoleCSM, RoleReadOnly}

// User is a person who uses Tend: a CSM, a CS leader, an AE or an admin.
// Accounts name their CSM, AE and executive sponsor among users.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Title string `json:"title"`
	// CapacityARR is the book of business (ARR, minor units of the
	// reporting currency) this person is sized to carry; 0 means not set.
	CapacityARR int64 `json:"capacity_arr"`
	// Disabled users keep their history but cannot sign in.
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Check normalises u and reports every problem with it.
func (u *User) Check() error {
	var errs validate.Errors
	trim(&u.Email, &u.Name, &u.Title)
	u.Role = enum(u.Role)
	u.Email = strings.ToLower(u.Email)
	if u.Role == "" {
		u.Role = RoleCSM
	}
	if errs.Required("email", u.Email) {
		errs.Email("email", u.Email)
	}
	errs.OneOf("role", u.Role, Roles)
	if u.CapacityARR < 0 {
		errs.Add("capacity_arr", "out_of_range", "must not be negative")
	}
	checkAmount(&errs, "capacity_arr", u.CapacityARR, "")
	checkInput(&errs, u)
	return errs.Err()
}
