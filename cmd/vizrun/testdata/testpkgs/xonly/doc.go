// Package xonly has only external tests, and their TestMain.
package xonly
