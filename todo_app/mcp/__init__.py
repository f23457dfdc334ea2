"""AI assistants: the task tools, the MCP server (streamable HTTP and stdio) and the chat."""
