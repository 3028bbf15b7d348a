from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo


class LoginForm(FlaskForm):
    username = StringField("Имя пользователя",
                           validators=[DataRequired("Введите имя пользователя")])
    password = PasswordField("Пароль", validators=[DataRequired("Введите пароль")])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Текущий пароль", validators=[DataRequired("Введите текущий пароль")])
    password = PasswordField("Новый пароль", validators=[DataRequired("Введите новый пароль")])
    repeat = PasswordField("Новый пароль ещё раз", validators=[
        DataRequired("Повторите новый пароль"), EqualTo("password", "Пароли не совпадают")])
