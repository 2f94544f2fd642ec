module audit-logger/bindings/go

go 1.21
