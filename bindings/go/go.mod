module github.com/audit-logger/audit-logger/bindings/go

go 1.21
