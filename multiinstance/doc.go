// Package multiinstance holds the tests of the portal run as several
// instances on one PostgreSQL database: the whole wizard on PostgreSQL
// in one process, and two real portal processes sharing the database,
// the keyring and the Cloud Elements account. It has no code of its own.
package multiinstance
