"""Reading and cleaning the inputs: workbooks, cells, names, survey returns, contract registers, validation and the template."""
