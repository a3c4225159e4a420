"""Where the archive's bytes go: free space on its file system, and writes that land whole or not at all."""
