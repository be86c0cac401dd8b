"""Documents made from the evidence: certificates (PDF) and month workbooks (XLSX)."""
