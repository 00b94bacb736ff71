package web

import "tbaportal/templates"

// stepContent is the fixed text and picture of a setup step.
type stepContent struct {
	Heading      string
	Lead         string
	MenuPath     []string
	Instructions []string
	Picture      string // file under static/illustrations
	Alt          string
	Notice       *templates.Notice
}

// DefaultRolePermissions are the permissions the role step lists besides
// Web Services and User Access Tokens, when PORTAL_ROLE_PERMISSIONS does
// not name others.
var DefaultRolePermissions = []templates.Permission{
	{Tab: "Transactions", Name: "Sales Order", Level: "View", Reason: "read orders"},
	{Tab: "Lists", Name: "Customers", Level: "View", Reason: "read customers"},
	{Tab: "Lists", Name: "Items", Level: "View", Reason: "read items"},
}

// requiredPermissions come first in the role step's table, whatever the
// operator configures.
var requiredPermissions = []templates.Permission{
	{Tab: "Setup", Name: "Web Services", Level: "Full", Reason: "lets the integration sign in through SOAP web services (newer releases call it SOAP Web Services)"},
	{Tab: "Setup", Name: "User Access Tokens", Level: "Full", Reason: "lets the role own an access token (newer releases call it Log in using Access Tokens)"},
	{Tab: "Setup", Name: "REST Web Services", Level: "Full", Reason: "optional: needed only for REST calls"},
}

var stepContents = map[string]stepContent{
	"welcome": {
		Heading: "Connect your NetSuite account",
		Lead:    "This guide walks you through NetSuite's token-based authentication setup and checks each value as you go.",
		Instructions: []string{
			"You need a NetSuite login with the Administrator role, and about 15 minutes.",
			"You will create a role, an integration record and an access token in NetSuite, then type five values here: Account ID, Consumer Key, Consumer Secret, Token ID and Token Secret.",
			"The values travel over HTTPS, are encrypted as soon as they arrive, are never shown again, and are erased once the connection is made.",
			"You can stop at any time: open the same link again, from any device, to continue where you left off.",
		},
		Picture: "welcome.svg",
		Alt:     "Checklist: administrator access in NetSuite, about 15 minutes, five values to copy; a padlock shows the values are stored encrypted.",
	},
	"account-id": {
		Heading:  "Find your Account ID",
		Lead:     "The Account ID tells the integration which NetSuite account to sign in to.",
		MenuPath: []string{"Setup", "Integration", "Web Services Preferences"},
		Instructions: []string{
			"In NetSuite, open Setup › Integration › Web Services Preferences.",
			"Copy the value shown as ACCOUNT ID, for example 1234567 or, for a sandbox, 1234567_SB1.",
			"Paste it below. The form your browser's address bar shows (1234567-sb1) works too.",
		},
		Picture: "account-id.svg",
		Alt:     "NetSuite Setup › Integration › Web Services Preferences, with the ACCOUNT ID field (like 1234567_SB1) outlined: copy this.",
	},
	"enable-tba": {
		Heading:  "Enable Token-Based Authentication",
		Lead:     "NetSuite only accepts tokens when this feature is on for the whole account.",
		MenuPath: []string{"Setup", "Company", "Enable Features", "SuiteCloud"},
		Instructions: []string{
			"Open Setup › Company › Enable Features and choose the SuiteCloud subtab.",
			"Under Manage Authentication, check Token-Based Authentication and accept the terms if asked.",
			"Under SuiteTalk (Web Services), check SOAP Web Services (and REST Web Services if your integration uses REST).",
			"Click Save.",
		},
		Picture: "enable-tba.svg",
		Alt:     "Setup › Company › Enable Features: open the SuiteCloud tab (1), tick Token-Based Authentication (2), then Save (3).",
	},
	"role": {
		Heading:  "Create a custom role",
		Lead:     "The integration signs in with its own role. NetSuite's standard roles cannot be used with tokens this way, and the Administrator role cannot own a token made for another user.",
		MenuPath: []string{"Setup", "Users/Roles", "Manage Roles", "New"},
		Instructions: []string{
			"Open Setup › Users/Roles › Manage Roles › New.",
			"Name the role, for example \"Integration (token)\".",
			"On the Permissions tab, add every permission in the table below, at the level shown.",
			"Click Save.",
		},
		Picture: "role.svg",
		Alt:     "Setup › Users/Roles › Manage Roles › New: name the role (1); on Permissions › Setup (2) add Web Services and User Access Tokens, both Full (3).",
	},
	"assign-role": {
		Heading:  "Assign the role to a user",
		Lead:     "The access token belongs to one user with this role. Use a dedicated integration user if you can, so that the connection does not depend on a person's login.",
		MenuPath: []string{"Lists", "Employees", "Employees"},
		Instructions: []string{
			"Open Lists › Employees › Employees and edit the user who will own the token.",
			"On the Access tab, make sure Give Access is checked, then add the new role in the Roles list.",
			"Click Save.",
		},
		Picture: "assign-role.svg",
		Alt:     "Lists › Employees › Employees › Edit: open the Access subtab (1), add the new role to the Roles list (2), then Save (3).",
	},
	"integration": {
		Heading:  "Create the integration record",
		Lead:     "The integration record identifies the software that connects. It gives you the Consumer Key and Consumer Secret.",
		MenuPath: []string{"Setup", "Integration", "Manage Integrations", "New"},
		Instructions: []string{
			"Open Setup › Integration › Manage Integrations › New.",
			"Give it a name, set State to Enabled and check Token-Based Authentication. Leave TBA: Authorization Flow and the OAuth 2.0 options unchecked.",
			"Click Save. NetSuite then shows the Consumer Key and Consumer Secret once, at the bottom of the page.",
			"Copy both into the fields below before you leave that page.",
		},
		Picture: "integration.svg",
		Alt:     "Setup › Integration › Manage Integrations › New: name it, State Enabled, tick only Token-Based Authentication; copy the consumer key and secret, shown once.",
		Notice: &templates.Notice{Kind: "warning", Title: "Shown only once",
			Body: "NetSuite shows the Consumer Key and Consumer Secret only once. If you have lost them, edit the integration record and choose Reset Credentials, then use the new values."},
	},
	"access-token": {
		Heading:  "Create the access token",
		Lead:     "The access token joins the integration record, the user and the role. It gives you the Token ID and Token Secret.",
		MenuPath: []string{"Setup", "Users/Roles", "Access Tokens", "New"},
		Instructions: []string{
			"Open Setup › Users/Roles › Access Tokens › New.",
			"Choose the integration record as Application Name, then the user and the role you set up.",
			"Click Save. NetSuite shows the Token ID and Token Secret once.",
			"Copy both into the fields below.",
		},
		Picture: "access-token.svg",
		Alt:     "Setup › Users/Roles › Access Tokens › New: pick the application, user and role (1); copy the Token ID and Token Secret, shown only once (2).",
		Notice: &templates.Notice{Kind: "warning", Title: "Shown only once",
			Body: "NetSuite shows the Token ID and Token Secret only once. If you have lost them, create a new token and revoke the old one."},
	},
}

var verifyPicture = templates.Illustration{Alt: "The portal sends a test request to NetSuite and reads the answer: a green tick if the values work, a red cross if a step needs fixing."}
var connectPicture = templates.Illustration{Alt: "The portal and the integration platform joined by a chain link, with a green tick: connected, instance created."}
