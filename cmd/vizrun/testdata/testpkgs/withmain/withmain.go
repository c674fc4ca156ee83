// Package withmain has a TestMain of its own.
package withmain
