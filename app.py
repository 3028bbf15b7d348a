from onewindow import create_app

app = create_app()
