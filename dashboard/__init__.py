"""The Streamlit dashboard for shop owners and city staff."""
