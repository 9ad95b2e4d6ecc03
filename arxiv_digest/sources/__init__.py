"""Where papers come from: the listing feed and the export API."""
