"""The Streamlit layer shared by app.py and the pages: session state, connection, translations."""
