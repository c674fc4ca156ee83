module testpkgs

go 1.26
