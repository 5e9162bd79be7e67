"""The web pages' forms: what a page asks for and how it shows it. The rules are the
services' and the models'; a form shows their errors next to the fields they concern."""
