// Package deptest holds only tests, which enforce the dependency rules (STYLE.md section 2) and package comments (section 10).
package deptest
